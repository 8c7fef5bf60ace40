/**
 * Notification email over SMTP with nodemailer: one message per recipient, so a refused address
 * fails only its own message. A permanent refusal (5xx) is final; connection faults and 4xx
 * (greylisting, mailbox busy) are left to the activity's retry policy.
 */
import type { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { ReportError } from '../domain/errors.js';

/** One message to one recipient. `messageId`: stable per run, event and recipient, e.g. `<id@reportflow>`. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  messageId: string;
  attachment?: { filename: string; contentType: string; content: Readable };
}

export interface Mailer {
  /**
   * Sends `message`.
   * @throws ReportError('EMAIL_REJECTED') when the server refuses the recipient or message for good (5xx).
   * @throws Error on connection faults and temporary (4xx) refusals, or when no SMTP server is configured.
   */
  send(message: EmailMessage): Promise<void>;
}

export interface SmtpMailerOptions {
  /** `smtp://host:port` or `smtps://user:pass@host:465` (config.smtpUrl; secret, never logged). */
  url: string | undefined;
  /** Sender, e.g. `reportflow <reports@example.com>` (config.mailFrom). */
  from: string;
  /** Socket timeout per message in ms. @default 30000 */
  timeoutMs?: number;
}

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter | undefined;

  constructor(private readonly options: SmtpMailerOptions) {
    const timeout = options.timeoutMs ?? 30_000;
    this.transport = options.url
      ? nodemailer.createTransport(options.url, { connectionTimeout: timeout, socketTimeout: timeout, greetingTimeout: timeout } as never)
      : undefined;
  }

  async send(message: EmailMessage): Promise<void> {
    if (!this.transport) throw new Error('no SMTP server is configured (REPORTFLOW_SMTP_URL)');
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        messageId: message.messageId,
        ...(message.attachment ? { attachments: [message.attachment] } : {}),
      });
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      if (code !== undefined && code >= 500) {
        throw new ReportError('EMAIL_REJECTED', `The mail server refused the message to one recipient (${code}).`, [
          { field: 'notify.emails', code: 'EMAIL_REJECTED', message: `refused with ${code}` },
        ]);
      }
      // The transport's message may echo the server's reply; it never holds the URL's credentials.
      throw new Error(`email not sent: ${(err as Error).message}`, { cause: err });
    }
  }

  close(): void {
    this.transport?.close();
  }
}
