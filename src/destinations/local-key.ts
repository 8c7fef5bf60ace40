/**
 * Storage keys of the LOCAL destination: what report records and run results keep instead of a path,
 * so a reports directory that is moved, copied or mounted elsewhere keeps serving every report.
 *
 * A key is `local:///<tenant>/<report code>/<request id>/<file name>`, each segment percent-encoded
 * (`encodeURIComponent`), e.g. `local:///default/INVOICE/0193…/INVOICE_536365.pdf`. Why a URI rather
 * than a bare relative path: the value sits in fields named `uri` beside the `gs://`, `s3://` and
 * `bigquery://` URIs of the other destinations (one scheme per export variant), and a scheme tells it
 * apart from the absolute `file://` URIs older versions recorded, which are still read (see
 * `segmentsOfKey`). Keys stay internal: the API and webhooks show download links, never keys.
 * Turning a key into a path is LocalDestination's job alone; this file knows no root directory.
 *
 * The bucket report store (bucket-report-store.ts) names its objects by the same four segments under
 * `store:///`: the key holds neither bucket nor prefix, so a store moved to another bucket or prefix (its
 * objects copied) keeps serving its reports, and either store reads the other's keys, so reports copied from
 * a reports directory into a bucket (or back) stay downloadable.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { safeSegment } from '../staging/local-staging.js';
import type { ExportTarget } from './destination.js';

const SCHEME = 'local:///';
const BUCKET_SCHEME = 'store:///';

/** Which store wrote a key: `local` (LocalDestination) or `store` (BucketReportStore). Both parse alike. */
export type KeyScheme = 'local' | 'store';

/** The four path segments of a delivered file, relative to the store's root, each a safe segment. */
export type KeySegments = [tenantId: string, reportCode: string, requestId: string, fileName: string];

/** The key of `target` (`local:///…` or `store:///…`). @throws Error on an unsafe segment (`..`, `/`, `\`, NUL, empty). */
export function keyFor(target: ExportTarget, scheme: KeyScheme = 'local'): string {
  const segments = [target.tenantId, target.reportCode, target.requestId, target.fileName].map(safeSegment);
  return (scheme === 'local' ? SCHEME : BUCKET_SCHEME) + segments.map(encodeURIComponent).join('/');
}

/**
 * The segments `key` names under the store's root. Accepts
 * - a key from `keyFor` (`local:///…` or `store:///…`, exactly four segments);
 * - an absolute `file://` URI recorded by versions before keys (`file:///…/var/reports/<tenant>/<CODE>/<id>/<file>`),
 *   whatever root it was written under: its last four segments, so records of a moved or copied var/ still resolve.
 *   Only those segments are taken, so such a URI can never name a file outside the current root.
 * @throws Error for any other scheme, a key with more or fewer than four segments (an absolute path after
 *   `local:///` included), a segment that is not safe after decoding (`..`, `.`, `/`, `\`, NUL, empty),
 *   or malformed percent-encoding.
 */
export function segmentsOfKey(key: string): KeySegments {
  const scheme = [SCHEME, BUCKET_SCHEME].find((s) => key.startsWith(s));
  const segments = scheme ? decoded(key.slice(scheme.length).split('/'), key) : legacySegments(key);
  if (segments.length !== 4) throw new Error(`not a report key: ${key}`);
  return segments.map(safeSegment) as KeySegments;
}

function decoded(parts: string[], key: string): string[] {
  try {
    return parts.map((p) => decodeURIComponent(p));
  } catch {
    throw new Error(`not a report key (bad percent-encoding): ${key}`);
  }
}

function legacySegments(uri: string): string[] {
  let file: string;
  try {
    file = fileURLToPath(uri);
  } catch {
    throw new Error(`not a report key: ${uri}`);
  }
  // fileURLToPath resolves `..` already (URL parsing does); the split leaves '' for the root only.
  const parts = path.resolve(file).split(path.sep).filter((p) => p !== '');
  return parts.length < 4 ? parts : parts.slice(-4);
}
