/**
 * A real SMTP server for tests (the `smtp-server` package) on a free port: stores every accepted
 * message with its envelope, and refuses the recipients named in `refuse` with 550 at RCPT TO.
 */
import { SMTPServer } from 'smtp-server';
import { freePort } from '../free-port.js';

export interface ReceivedMail {
  /** Envelope recipients of this delivery. */
  to: string[];
  from: string;
  /** The message as sent (headers and MIME body). */
  raw: string;
  /** `raw` with folded header lines joined and quoted-printable soft breaks and escapes decoded, for matching. */
  readable: string;
}

export interface TestSmtpServer {
  url: string;
  messages: ReceivedMail[];
  /** Recipients refused for good (550). */
  refuse: Set<string>;
  stop(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const refuse = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse.has(address.address.toLowerCase())) {
        return callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        messages.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          from: from ? from.address : '',
          raw: Buffer.concat(chunks).toString('utf8'),
          readable: readable(Buffer.concat(chunks).toString('utf8')),
        });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { url: `smtp://127.0.0.1:${port}`, messages, refuse, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Unfolds headers and undoes quoted-printable (good enough for ASCII text parts). */
function readable(raw: string): string {
  return raw
    .replace(/\r\n[ \t]+/g, ' ')
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
