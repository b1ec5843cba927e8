/**
 * Writing a message: text (Enter sends, Shift+Enter a new line; not while an input method is composing), an image,
 * a file, or a voice note recorded here with MediaRecorder; the message being replied to is shown above.
 */
import { AudioOutlined, CloseOutlined, DeleteOutlined, PaperClipOutlined, PictureOutlined, SendOutlined, StopOutlined } from '@ant-design/icons';
import { App, Button, Input, Tooltip } from 'antd';
import { useEffect, useRef, useState, type ChangeEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { preview } from './format';
import type { ChatMessage } from './types';
import type { Draft } from './useConversation';

const MAX_VOICE_SECONDS = 120;
/** What the file store takes (others are refused with 415): documents, images, audio, DICOM. */
const FILE_TYPES = '.pdf,.docx,.xlsx,.txt,.dcm,image/png,image/jpeg,image/gif,image/webp,audio/*,application/pdf,application/dicom';

/** The audio types this browser records, best first (Chrome: webm/opus, Safari: mp4). */
function recorderType(): string | undefined {
  if (typeof MediaRecorder === 'undefined') return undefined;
  return ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'].find((t) => MediaRecorder.isTypeSupported?.(t));
}
const extensionOf = (type: string) => (type.includes('mp4') ? 'm4a' : type.includes('ogg') ? 'ogg' : 'webm');

type Recording = { state: 'recording'; started: number } | { state: 'recorded'; blob: Blob; url: string; seconds: number } | null;

function VoiceBar({ rec, elapsed, onStop, onCancel, onSend }: {
  rec: Exclude<Recording, null>; elapsed: number; onStop: () => void; onCancel: () => void; onSend: () => void;
}) {
  const { t } = useTranslation();
  const secs = rec.state === 'recording' ? elapsed : rec.seconds;
  const clock = `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;
  return (
    <div className="yl-voice-bar">
      {rec.state === 'recording' ? (
        <>
          <span className="yl-rec-dot" aria-hidden />
          <span style={{ flex: 1 }}>{t('messages.recording')} {clock}</span>
          <Button icon={<DeleteOutlined />} onClick={onCancel} aria-label={t('messages.discard')} />
          <Button type="primary" danger icon={<StopOutlined />} onClick={onStop}>{t('messages.stopRecording')}</Button>
        </>
      ) : (
        <>
          <audio controls src={rec.url} className="yl-chat-audio" style={{ flex: 1, minWidth: 0 }} />
          <Button icon={<DeleteOutlined />} onClick={onCancel} aria-label={t('messages.discard')} />
          <Button type="primary" icon={<SendOutlined />} onClick={onSend}>{t('messages.send')}</Button>
        </>
      )}
    </div>
  );
}

export function Composer({ onSend, replyTo, onCancelReply, disabled, compact }: {
  onSend: (d: Draft) => void; replyTo: ChatMessage | null; onCancelReply: () => void; disabled?: boolean; compact?: boolean;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [text, setText] = useState('');
  const [rec, setRec] = useState<Recording>(null);
  const [elapsed, setElapsed] = useState(0);
  const imageInput = useRef<HTMLInputElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  const chunks = useRef<Blob[]>([]);
  const keep = useRef(true);
  const textArea = useRef<HTMLTextAreaElement | null>(null);

  useEffect(() => { if (replyTo) textArea.current?.focus(); }, [replyTo]);
  useEffect(() => {
    if (rec?.state !== 'recording') return;
    const timer = setInterval(() => {
      const s = Math.floor((Date.now() - rec.started) / 1000);
      setElapsed(s);
      if (s >= MAX_VOICE_SECONDS) recorder.current?.stop();
    }, 250);
    return () => clearInterval(timer);
  }, [rec]);
  // Leaving the page mid-recording releases the microphone.
  useEffect(() => () => { keep.current = false; recorder.current?.state === 'recording' && recorder.current.stop(); }, []);
  useEffect(() => () => { if (rec?.state === 'recorded') URL.revokeObjectURL(rec.url); }, [rec]);

  const sendText = () => {
    const body = text.trim();
    if (!body || disabled) return;
    onSend({ kind: 'text', body, replyTo });
    setText('');
    onCancelReply();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      sendText();
    }
  };

  const pickFile = (kind: 'image' | 'file') => (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    e.target.value = '';
    for (const file of files) {
      const asImage = kind === 'image' && file.type.startsWith('image/');
      onSend({ kind: asImage ? 'image' : 'file', body: asImage ? undefined : file.name, file, replyTo });
    }
    if (files.length) onCancelReply();
  };

  const startRecording = async () => {
    const type = recorderType();
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') {
      void message.warning(t('messages.voiceUnsupported'));
      return;
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      void message.error(t('messages.micDenied'));
      return;
    }
    const r = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    chunks.current = [];
    keep.current = true;
    const started = Date.now();
    r.ondataavailable = (ev) => { if (ev.data.size) chunks.current.push(ev.data); };
    r.onstop = () => {
      stream.getTracks().forEach((tr) => tr.stop());
      recorder.current = null;
      if (!keep.current) { setRec(null); return; }
      const blob = new Blob(chunks.current, { type: r.mimeType || type || 'audio/webm' });
      const seconds = Math.max(1, Math.round((Date.now() - started) / 1000));
      setRec(blob.size ? { state: 'recorded', blob, url: URL.createObjectURL(blob), seconds } : null);
    };
    recorder.current = r;
    r.start(250);
    setElapsed(0);
    setRec({ state: 'recording', started });
  };

  const stopRecording = () => { keep.current = true; recorder.current?.stop(); };
  const cancelRecording = () => {
    if (recorder.current?.state === 'recording') { keep.current = false; recorder.current.stop(); } else setRec(null);
  };
  const sendVoice = () => {
    if (rec?.state !== 'recorded') return;
    const type = (rec.blob.type || 'audio/webm').split(';')[0]!;
    const file = new File([rec.blob], `voice-${new Date().toISOString().replace(/[:.]/g, '-')}.${extensionOf(type)}`, { type });
    onSend({ kind: 'voice', file, replyTo });
    onCancelReply();
    setRec(null);
  };

  return (
    <div className={`yl-composer${compact ? ' compact' : ''}`}>
      {replyTo && (
        <div className="yl-composer-reply">
          <span className="yl-ellipsis">{t('messages.replyingTo', { name: replyTo.senderName ?? '' })}{preview(replyTo, t)}</span>
          <Button type="text" size="small" icon={<CloseOutlined />} onClick={onCancelReply} aria-label={t('common.cancel')} />
        </div>
      )}
      {rec ? (
        <VoiceBar rec={rec} elapsed={elapsed} onStop={stopRecording} onCancel={cancelRecording} onSend={sendVoice} />
      ) : (
        <div className="yl-composer-row">
          <div className="yl-composer-tools">
            <Tooltip title={t('messages.sendImage')}>
              <Button type="text" icon={<PictureOutlined />} disabled={disabled} onClick={() => imageInput.current?.click()} aria-label={t('messages.sendImage')} />
            </Tooltip>
            <Tooltip title={t('messages.sendFile')}>
              <Button type="text" icon={<PaperClipOutlined />} disabled={disabled} onClick={() => fileInput.current?.click()} aria-label={t('messages.sendFile')} />
            </Tooltip>
            <Tooltip title={t('messages.recordVoice')}>
              <Button type="text" icon={<AudioOutlined />} disabled={disabled} onClick={() => void startRecording()} aria-label={t('messages.recordVoice')} />
            </Tooltip>
          </div>
          <Input.TextArea
            ref={(r) => { textArea.current = r?.resizableTextArea?.textArea ?? null; }}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={onKeyDown}
            autoSize={{ minRows: 1, maxRows: compact ? 3 : 5 }}
            placeholder={compact ? t('messages.placeholderShort') : t('messages.placeholder')}
            disabled={disabled}
            aria-label={t('messages.placeholder')}
            maxLength={5000}
          />
          <Button type="primary" icon={<SendOutlined />} onClick={sendText} disabled={disabled || !text.trim()} aria-label={t('messages.send')}>
            {compact ? null : t('messages.send')}
          </Button>
          <input ref={imageInput} type="file" accept="image/png,image/jpeg,image/gif,image/webp" multiple hidden onChange={pickFile('image')} />
          <input ref={fileInput} type="file" multiple hidden onChange={pickFile('file')} accept={FILE_TYPES} />
        </div>
      )}
    </div>
  );
}
