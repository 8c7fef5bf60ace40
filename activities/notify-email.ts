/**
 * The email activity: one message to one recipient of `notify.emails`, so a refused address fails
 * alone and the others are each sent once. The report is attached when it is at most
 * `mailAttachMaxBytes`; otherwise the message carries the download link only. The text is in the
 * request's language (src/notifiers/email-text.ts).
 */
import type { ActivityDeps } from './deps.js';
import { emailText } from '../src/notifiers/email-text.js';
import { webhookEvent, type NotifyInput } from './notify.js';
import { ReportError } from '../src/domain/errors.js';
import { isReportEventType } from '../src/domain/webhook-delivery.js';

/** Which recipient of which run's outcome. */
export interface EmailInput extends NotifyInput {
  recipient: string;
}

/**
 * @throws ReportError('EMAIL_REJECTED') on a permanent refusal (non-retryable); Error otherwise (retried).
 */
export function emailActivity(deps: Pick<ActivityDeps, 'mailer' | 'config' | 'destination' | 'signer'>) {
  return async function sendEmail(input: EmailInput): Promise<void> {
    // Bulk runs send their event by webhook only: there is no email of a bulk run.
    if (!isReportEventType(input.type)) throw new ReportError('EMAIL_REJECTED', `No email is sent for ${input.type}.`);
    const event = webhookEvent(input, deps.config, deps.signer);
    const report = event.report;
    const { subject, text } = emailText({
      type: input.type,
      reportCode: event.report_code,
      requestId: event.request_id,
      ...(report
        ? { report: { fileName: report.file_name, sizeBytes: report.size_bytes, rows: report.rows, sha256: report.sha256, downloadUrl: report.download_url, copies: (report.deliveries ?? []).map((d) => ({ uri: d.uri, ...(d.download_url ? { downloadUrl: d.download_url } : {}) })) } }
        : {}),
      ...(event.error ? { error: { code: event.error.code, message: event.error.message } } : {}),
    }, input.request.language);
    const attach = input.report && deps.config.mailAttachMaxBytes > 0 && input.report.sizeBytes <= deps.config.mailAttachMaxBytes;
    await deps.mailer.send({
      to: input.recipient,
      subject,
      text,
      // Stable per run, event and recipient: a mail client shows a resent copy as the same message.
      messageId: `<${encodeURIComponent(event.event_id)}.${encodeURIComponent(input.recipient)}@reportflow>`,
      ...(attach && input.report
        ? { attachment: { filename: input.report.fileName, contentType: input.report.contentType, content: await deps.destination.open(input.report.uri) } }
        : {}),
    });
  };
}
