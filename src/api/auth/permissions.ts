/**
 * What an API key or a JWT may do. Each /v1 route names the one permission it needs
 * (`config: { permission }`); a caller holding it is let through, anyone else gets 403 `FORBIDDEN`.
 */

/** Every permission, in the order the README lists them. Names are `<RESOURCE>.<ACTION>`. */
export const PERMISSIONS = [
  'REPORT_GENERATE_REQUEST.CREATE',
  'REPORT_GENERATE_REQUEST.VIEW',
  'REPORT_GENERATE_REQUEST.CANCEL',
  'REPORT_GENERATE_REQUEST.REDELIVER',
  'REPORT.VIEW',
  'REPORT.DELETE',
  'SUBSCRIPTION.VIEW',
  'SUBSCRIPTION.MANAGE',
  'REPORT_CONFIGURATION.VIEW',
  'REPORT_CONFIGURATION.MANAGE',
  'TEMPLATE.VIEW',
  'TEMPLATE.MANAGE',
] as const;

/** One permission name, e.g. `REPORT.VIEW`. */
export type Permission = (typeof PERMISSIONS)[number];

/** Every permission at once: what a `tenant:key` entry without a permission list is granted. */
export const ALL_PERMISSIONS: ReadonlySet<Permission> = new Set(PERMISSIONS);

/** True when `name` is one of `PERMISSIONS` (exact, case-sensitive). */
export function isPermission(name: string): name is Permission {
  return (ALL_PERMISSIONS as ReadonlySet<string>).has(name);
}
