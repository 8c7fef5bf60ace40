/**
 * The API's JSON bodies as the CLI reads them, named for the CLI: aliases over the types generated
 * from the API's own /openapi.json (src/cli/api-types.ts, `npm run generate:api-types`), so a change
 * to a route schema that breaks the CLI is a compile error here, not a silent drift. Types only: the
 * CLI loads nothing of openapi-typescript at run time.
 */
import type { paths } from './api-types.js';

/** The `application/json` body of a response or request in the generated types. */
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** `200` of GET /v1/report-generate-requests/{id} (and `201` of POST, `202` of cancel: the same view). */
export type RunBody = Json<paths['/v1/report-generate-requests/{id}']['get']['responses'][200]>;

/** Every refusal's body: `{"error": {"code", "message", "errors": [{"field", "code", "message"}]}}`. */
export type ErrorBody = Json<paths['/v1/report-generate-requests/{id}']['get']['responses'][404]>;

export type FieldErrorBody = ErrorBody['error']['errors'][number];

/** Statuses after which a run changes no more. */
export const FINAL_STATUSES: readonly RunBody['status'][] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** A page of requests (`GET /v1/report-generate-requests`); every listing pages the same way, newest first. */
type RequestPage = Json<paths['/v1/report-generate-requests']['get']['responses'][200]>;

/** A page of a listing with items `T`: `next_cursor` (null on the last page) and `total` (every match, over all pages). */
export type PageBody<T> = Omit<RequestPage, 'items'> & { items: T[] };

/** A report file (`GET /v1/reports/{id}`, `GET /v1/reports`, `DELETE /v1/reports/{id}`). Its id is its request's id. */
export type ReportBody = Json<paths['/v1/reports/{id}']['get']['responses'][200]>;

/** `GET /v1/reports/{id}/download-url`: a signed URL that works without credentials until `expires_at`. */
export type DownloadUrlBody = Json<paths['/v1/reports/{id}/download-url']['get']['responses'][200]>;
