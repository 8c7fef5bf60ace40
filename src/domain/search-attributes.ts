/**
 * Custom search attributes that make runs findable in the Temporal Web UI and from the API, e.g.
 * `ReportCode = "INVOICE" AND ReportStatus = "FAILED"`. All are Keyword attributes. The dev server
 * registers them at start (`--search-attribute`); against another server the worker registers them.
 * Sandbox-safe: `defineSearchAttributeKey` is pure.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA_TENANT = defineSearchAttributeKey('ReportTenant', SearchAttributeType.KEYWORD);
export const SA_REPORT_CODE = defineSearchAttributeKey('ReportCode', SearchAttributeType.KEYWORD);
export const SA_STATUS = defineSearchAttributeKey('ReportStatus', SearchAttributeType.KEYWORD);
export const SA_STAGE = defineSearchAttributeKey('ReportStage', SearchAttributeType.KEYWORD);
export const SA_CUSTOMER = defineSearchAttributeKey('ReportCustomerId', SearchAttributeType.KEYWORD);

/** Every custom search attribute, for registration. */
export const ALL_SEARCH_ATTRIBUTES = [SA_TENANT, SA_REPORT_CODE, SA_STATUS, SA_STAGE, SA_CUSTOMER] as const;
