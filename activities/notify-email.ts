/**
 * The email activity: one message to one recipient of `notify.emails`, so a refused address fails
 * alone and the others are each sent once. The report is attached when it is at most
 * `mailAttachMaxBytes`; otherwise the message carries the download link only.
 */
import type { ActivityDeps } from './deps.js';
import { webhookEvent, type NotifyInput } from './notify.js';

/** Which recipient of which run's outcome. */
export interface EmailInput extends NotifyInput {
  recipient: string;
}

const SUBJECTS: Record<NotifyInput['type'], string> = {
  'report.succeeded': 'is ready',
  'report.failed': 'failed',
  'report.cancelled': 'was cancelled',
};

/**
 * @throws ReportError('EMAIL_REJECTED') on a permanent refusal (non-retryable); Error otherwise (retried).
 */
export function emailActivity(deps: Pick<ActivityDeps, 'mailer' | 'config' | 'destination' | 'signer'>) {
  return async function sendEmail(input: EmailInput): Promise<void> {
    const event = webhookEvent(input, deps.config, deps.signer);
    const report = event.report;
    const lines = [`Report ${event.report_code} (request ${event.request_id}) ${SUBJECTS[input.type]}.`, ''];
    if (report) {
      lines.push(`File: ${report.file_name}, ${report.size_bytes} bytes, ${report.rows} rows, sha256 ${report.sha256}.`);
      lines.push(`Download: ${report.download_url}`);
      for (const d of report.deliveries ?? []) lines.push(`Copy: ${d.uri}${d.download_url ? `\n  ${d.download_url}` : ''}`);
    }
    if (event.error) lines.push(`Error ${event.error.code}: ${event.error.message}`);
    const attach = input.report && deps.config.mailAttachMaxBytes > 0 && input.report.sizeBytes <= deps.config.mailAttachMaxBytes;
    await deps.mailer.send({
      to: input.recipient,
      subject: `Report ${event.report_code} ${SUBJECTS[input.type]}`,
      text: lines.join('\n') + '\n',
      // Stable per run, event and recipient: a mail client shows a resent copy as the same message.
      messageId: `<${encodeURIComponent(event.event_id)}.${encodeURIComponent(input.recipient)}@reportflow>`,
      ...(attach && input.report
        ? { attachment: { filename: input.report.fileName, contentType: input.report.contentType, content: deps.destination.open(input.report.uri) } }
        : {}),
    });
  };
}
