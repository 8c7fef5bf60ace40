/** Tenant templates on the wire: the spec as sent (snake_case, as stored) plus identity, version and links. */
import type { Template, TemplateSpec } from '../../templates/template.js';

/** `POST`/`PUT /v1/templates` body after schema validation. */
export type TemplateBody = TemplateSpec;

/** The spec as stored: fields the client left out stay out. */
export function specOf(body: TemplateBody): TemplateSpec {
  return { ...body, description: body.description ?? '' };
}

/** The wire view of a template (see `TEMPLATE_VIEW`). */
export function templateToWire(t: Template, baseUrl: string) {
  return {
    ...t.spec,
    id: t.id,
    template_id: t.id,
    version: t.version,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    links: { self: `${baseUrl}/v1/templates/${encodeURIComponent(t.id)}` },
  };
}
