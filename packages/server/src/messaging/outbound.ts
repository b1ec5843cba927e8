/**
 * Outbound notifiers and their dispatcher. A Notifier sends one message on one channel; a deployment plugs its own
 * SMS or WeChat gateway by implementing it. The dispatcher claims pending rows with FOR UPDATE SKIP LOCKED (so
 * several processes never send the same row), sends them outside any transaction, and records the outcome.
 * It runs when a NOTIFY says rows were queued (only after their transaction committed) and on a periodic sweep
 * that picks up whatever a crash or a lost NOTIFY left behind.
 */
import type { FastifyBaseLogger } from 'fastify';
import nodemailer, { type Transporter } from 'nodemailer';
import { sql } from 'kysely';
import type { Config } from '../config.js';
import type { DbHandle } from '../db/database.js';
import { maskRecipient, OUTBOUND_CHANNEL } from './notifications.js';

export interface OutboundMessage { id: number; channel: string; recipient: string; subject: string | null; body: string }
export interface Notifier {
  readonly channel: string;
  /** Sends (or records) the message; throws when it could not. 'recorded' means it went only to the log. */
  send(msg: OutboundMessage): Promise<'sent' | 'recorded'>;
}

/** The default: the message stays in the database and one line (without recipient or content) goes to the log. */
export class LogNotifier implements Notifier {
  constructor(readonly channel: string, private readonly log: FastifyBaseLogger) {}
  async send(msg: OutboundMessage) {
    this.log.info({ outboundId: msg.id, channel: msg.channel, to: maskRecipient(msg.channel, msg.recipient) }, 'outbound message recorded');
    return 'recorded' as const;
  }
}

/** E-mail over SMTP (SMTP_URL, e.g. smtps://user:pass@smtp.example.com:465), via nodemailer. */
export class SmtpNotifier implements Notifier {
  readonly channel = 'email';
  private readonly transport: Transporter;
  constructor(url: string, private readonly from: string) {
    this.transport = nodemailer.createTransport(url);
  }
  async send(msg: OutboundMessage) {
    await this.transport.sendMail({ from: this.from, to: msg.recipient, subject: msg.subject ?? '医联通知', text: msg.body });
    return 'sent' as const;
  }
  close() { this.transport.close(); }
}

export function notifiersFrom(config: Config, log: FastifyBaseLogger): Notifier[] {
  return [
    config.smtpUrl ? new SmtpNotifier(config.smtpUrl, config.smtpFrom) : new LogNotifier('email', log),
    new LogNotifier('sms', log),
    new LogNotifier('wechat', log),
  ];
}

const MAX_ATTEMPTS = 3;
const CLAIM = 20;
/** A row claimed this long ago by a process that never finished (it crashed) is tried again. */
const ABANDONED_MINUTES = 5;
/** A failed attempt is retried after this long, up to MAX_ATTEMPTS. */
const RETRY_AFTER_MINUTES = 1;

export class Dispatcher {
  private readonly notifiers: Map<string, Notifier>;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;

  constructor(private readonly handle: DbHandle, private readonly config: Config, private readonly log: FastifyBaseLogger, notifiers: Notifier[]) {
    this.notifiers = new Map(notifiers.map((n) => [n.channel, n]));
  }

  async start() {
    this.unlisten = await this.handle.listen(OUTBOUND_CHANNEL, () => { void this.run(0); }, () => { void this.run(0); });
    this.timer = setInterval(() => { void this.run(this.config.outboundStaleMs); }, this.config.outboundSweepMs);
    this.timer.unref();
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.unlisten?.().catch(() => {});
    await this.running;
    for (const n of this.notifiers.values()) (n as { close?: () => void }).close?.();
  }

  /** Sends every pending row created at least `minAgeMs` ago; one run at a time per process. */
  run(minAgeMs = 0): Promise<void> {
    if (this.running) { this.again = true; return this.running; }
    this.running = (async () => {
      try {
        do { this.again = false; while (!this.stopped && (await this.sendBatch(minAgeMs)) > 0); } while (this.again && !this.stopped);
      } catch (err) {
        this.log.error({ err }, 'outbound dispatch failed');
      } finally { this.running = null; }
    })();
    return this.running;
  }

  private async sendBatch(minAgeMs: number): Promise<number> {
    const claimed = await sql<{ id: string; channel: string; recipient: string; subject: string | null; body: string; attempts: number }>`
      UPDATE outbound_message SET status = 'sending', claimed_at = now(), attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM outbound_message
        WHERE (status = 'pending' AND created_at <= now() - make_interval(secs => ${minAgeMs / 1000})
               AND (claimed_at IS NULL OR claimed_at < now() - make_interval(mins => ${RETRY_AFTER_MINUTES})))
           OR (status = 'sending' AND claimed_at < now() - make_interval(mins => ${ABANDONED_MINUTES}))
        ORDER BY id LIMIT ${CLAIM}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, channel, recipient, subject, body, attempts`.execute(this.handle.db);
    for (const row of claimed.rows) {
      const notifier = this.notifiers.get(row.channel) ?? new LogNotifier(row.channel, this.log);
      try {
        const status = await notifier.send({ ...row, id: Number(row.id) });
        await this.handle.db.updateTable('outbound_message').set({ status, sent_at: new Date(), error: null }).where('id', '=', row.id).execute();
      } catch (err) {
        const error = String((err as Error).message ?? err).slice(0, 500);
        this.log.warn({ outboundId: Number(row.id), channel: row.channel, error }, 'outbound message not sent');
        await this.handle.db.updateTable('outbound_message')
          .set({ status: row.attempts >= MAX_ATTEMPTS ? 'failed' : 'pending', error }).where('id', '=', row.id).execute();
      }
    }
    return claimed.rows.length;
  }
}
