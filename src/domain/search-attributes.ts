/**
 * Custom search attributes that make runs findable in the Temporal Web UI and from the API, e.g.
 * `ReportCode = "INVOICE" AND ReportStatus = "FAILED"`. Keyword attributes, but for the bulk runs' Int counts. The dev server
 * registers them at start (`--search-attribute`); against another server the worker registers them.
 * Sandbox-safe: `defineSearchAttributeKey` is pure.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA_TENANT = defineSearchAttributeKey('ReportTenant', SearchAttributeType.KEYWORD);
export const SA_REPORT_CODE = defineSearchAttributeKey('ReportCode', SearchAttributeType.KEYWORD);
export const SA_STATUS = defineSearchAttributeKey('ReportStatus', SearchAttributeType.KEYWORD);
export const SA_STAGE = defineSearchAttributeKey('ReportStage', SearchAttributeType.KEYWORD);
export const SA_CUSTOMER = defineSearchAttributeKey('ReportCustomerId', SearchAttributeType.KEYWORD);
/** A bulk run's documents in all (once counted), e.g. `ReportBulkDone < ReportBulkTotal` for unfinished ones. */
export const SA_BULK_TOTAL = defineSearchAttributeKey('ReportBulkTotal', SearchAttributeType.INT);
/** A bulk run's documents ended so far (succeeded, failed or cancelled), updated as pages of keys are started and at the end. */
export const SA_BULK_DONE = defineSearchAttributeKey('ReportBulkDone', SearchAttributeType.INT);

/** Every custom search attribute, for registration. */
export const ALL_SEARCH_ATTRIBUTES = [SA_TENANT, SA_REPORT_CODE, SA_STATUS, SA_STAGE, SA_CUSTOMER, SA_BULK_TOTAL, SA_BULK_DONE] as const;
