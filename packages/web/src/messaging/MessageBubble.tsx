/** One message: sender and time, the quoted reply, text / image / voice note / file, and for my own the receipt. */
import { ClockCircleOutlined, ExclamationCircleFilled, FileOutlined, RollbackOutlined } from '@ant-design/icons';
import { Button, Image, Tooltip, Typography } from 'antd';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { fmtTime } from '../format';
import { clockTime, fileSize, fileUrl, preview } from './format';
import type { ChatMessage } from './types';

export interface Receipt { readBy: string[]; others: number }

function receiptText(t: TFunction, r: Receipt): string {
  if (r.others <= 1) return r.readBy.length ? t('messages.read') : t('messages.unread');
  if (r.readBy.length === 0) return t('messages.unread');
  if (r.readBy.length >= r.others) return t('messages.allRead');
  return t('messages.readBy', { count: r.readBy.length });
}

/** Highlights `q` in `text` (search results). */
export function highlight(text: string, q?: string): ReactNode {
  if (!q) return text;
  const i = text.toLowerCase().indexOf(q.toLowerCase());
  if (i < 0) return text;
  return <>{text.slice(0, i)}<mark className="yl-mark">{text.slice(i, i + q.length)}</mark>{highlight(text.slice(i + q.length), q)}</>;
}

function Content({ m, q }: { m: ChatMessage; q?: string }) {
  const { t } = useTranslation();
  const src = m.localUrl ?? (m.fileId ? fileUrl(m.fileId) : undefined);
  switch (m.kind) {
    case 'image':
      return src
        ? <Image src={src} alt={m.file?.name ?? t('messages.previewImage')} className="yl-chat-image" preview={!m.pending && { mask: false }} />
        : <span>{t('messages.previewImage')}</span>;
    case 'voice':
      return src ? <audio controls preload="metadata" src={src} className="yl-chat-audio" aria-label={t('messages.previewVoice')} /> : <span>{t('messages.previewVoice')}</span>;
    case 'file': {
      const name = m.file?.name ?? m.body ?? t('messages.previewFile');
      const inner = (
        <span className="yl-chat-file">
          <FileOutlined style={{ fontSize: 22 }} />
          <span style={{ minWidth: 0 }}>
            <span className="yl-chat-file-name">{name}</span>
            {m.file?.size ? <span className="yl-chat-file-size">{fileSize(m.file.size)}</span> : null}
          </span>
        </span>
      );
      return m.fileId ? <a href={fileUrl(m.fileId)} download={name} target="_blank" rel="noreferrer" style={{ color: 'inherit' }}>{inner}</a> : inner;
    }
    default:
      return <span className="yl-chat-text">{highlight(m.body ?? '', q)}</span>;
  }
}

export function MessageBubble({ m, mine, showSender, receipt, quoted, onReply, onRetry, onDiscard, q }: {
  m: ChatMessage; mine: boolean; showSender: boolean; receipt?: Receipt; quoted?: ChatMessage | null;
  onReply?: () => void; onRetry?: () => void; onDiscard?: () => void; q?: string;
}) {
  const { t } = useTranslation();
  const media = m.kind === 'image';
  return (
    <div className={`yl-chat-row${mine ? ' mine' : ''}`} data-message-id={m.pending ? undefined : m.id}>
      <div className="yl-chat-col">
        {showSender && !mine && <div className="yl-chat-sender">{m.senderName ?? ''}</div>}
        <div className="yl-chat-line">
          <div className={`yl-chat-bubble${mine ? ' mine' : ''}${media ? ' media' : ''}`}>
            {(quoted || m.replyTo) && (
              <div className="yl-chat-quote">
                {quoted ? <><b>{quoted.senderName ?? ''}</b>：{preview(quoted, t) || '…'}</> : t('messages.quotedMissing')}
              </div>
            )}
            <Content m={m} q={q} />
          </div>
          {onReply && !m.pending && (
            <Tooltip title={t('messages.reply')}>
              <Button className="yl-chat-action" type="text" size="small" icon={<RollbackOutlined />} onClick={onReply} aria-label={t('messages.reply')} />
            </Tooltip>
          )}
        </div>
        <div className="yl-chat-meta">
          <Tooltip title={fmtTime(m.createdAt)}><span>{clockTime(m.createdAt)}</span></Tooltip>
          {mine && m.pending === 'sending' && <span><ClockCircleOutlined /> {t('messages.sending')}</span>}
          {mine && m.pending === 'failed' && (
            <span style={{ color: '#cf1322' }}>
              <ExclamationCircleFilled /> {t('messages.failed')}
              {onRetry && <Typography.Link onClick={onRetry} style={{ marginInlineStart: 6 }}>{t('messages.retry')}</Typography.Link>}
              {onDiscard && <Typography.Link type="secondary" onClick={onDiscard} style={{ marginInlineStart: 6 }}>{t('messages.discard')}</Typography.Link>}
            </span>
          )}
          {mine && !m.pending && receipt && (
            <Tooltip title={receipt.readBy.length ? receipt.readBy.join('、') : undefined}>
              <span className={receipt.readBy.length ? 'yl-chat-read' : undefined}>{receiptText(t, receipt)}</span>
            </Tooltip>
          )}
        </div>
      </div>
    </div>
  );
}
