/**
 * 会诊室: the consultation's live video room. A grid of up to six videos (my muted preview and each participant with
 * their name), controls (microphone, camera, screen share, leave), and beside it the case material and the
 * consultation's discussion. Phones stack the panel under the videos.
 */
import {
  AudioMutedOutlined, AudioOutlined, DesktopOutlined, FileTextOutlined, LogoutOutlined, ReloadOutlined, UserOutlined,
  VideoCameraAddOutlined, VideoCameraOutlined,
} from '@ant-design/icons';
import { Alert, App as AntApp, Avatar, Button, Descriptions, Empty, Result, Spin, Tabs, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import { useAuth } from '../../auth';
import { ChatPanel } from '../../components/ChatPanel';
import { fmtTime } from '../../format';
import { useApiData, useIsMobile } from '../../hooks';
import { Conversation } from '../../messaging/Conversation';
import { useLocalMedia } from '../../rtc/media';
import { useRoom, type Refusal } from '../../rtc/useRoom';
import './room.css';

interface RoomInfo {
  open: boolean; opensAt: string | null; closesAt: string | null; scheduledAt: string | null; maxParticipants: number;
  iceServers: RTCIceServer[]; iceTransportPolicy?: RTCIceTransportPolicy; participants: { userId: string; name: string; side: 'applicant' | 'expert' | 'centre'; inRoom: boolean }[];
}
interface CaseMaterial {
  id: string; code: string; purpose: string; summary: string; threadId: string | null; scheduledAt: string | null; patientId: string;
  diagnoses: { system?: string; code: string; display?: string }[];
  attachments: { sha256: string; name: string; contentType: string; size: number }[];
  patient?: { name: string; sex: string; birthDate: string } | null;
  experts?: { name: string; title?: string | null; institutionName?: string | null; status: string }[];
}

export default function RoomPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const room = useApiData<RoomInfo>(`consultations/${id}/room`);
  // Waiting for the room to open: look again at the opening time (when it is within the day).
  const opensIn = room.data && !room.data.open && room.data.opensAt ? new Date(room.data.opensAt).getTime() - Date.now() : -1;
  useEffect(() => {
    if (opensIn < 0 || opensIn > 86_400_000) return;
    const timer = setTimeout(room.reload, opensIn + 1_000);
    return () => clearTimeout(timer);
  }, [opensIn, room.reload]);

  if (room.loading && !room.data) return <div className="yl-center" style={{ minHeight: 320 }}><Spin tip={t('room.joining')}><div style={{ width: 200 }} /></Spin></div>;
  const back = <Button key="back" onClick={() => navigate(`/consultations/${id}`)}>{t('room.back')}</Button>;
  if (room.error)
    return <Result status={room.error.status === 403 ? '403' : 'warning'} title={room.error.text(i18n.language)} extra={[back]} />;
  const info = room.data!;
  if (!info.open)
    return (
      <Result status="info" title={t('room.refused.room_closed')}
        subTitle={info.opensAt ? t('room.opensAt', { from: fmtTime(info.opensAt), to: fmtTime(info.closesAt) }) : t('room.notScheduled')}
        extra={[<Button key="refresh" type="primary" icon={<ReloadOutlined />} onClick={room.reload}>{t('room.refresh')}</Button>, back]} />
    );
  return <Room id={id} info={info} />;
}

function Room({ id, info }: { id: string; info: RoomInfo }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const mobile = useIsMobile();
  const { message } = AntApp.useApp();
  const { me } = useAuth();
  const media = useLocalMedia();
  const material = useApiData<CaseMaterial>(`consultations/${id}`);
  const { status, refusal, peers, retry, replaceTrack, setMedia } = useRoom(id, info.iceServers, media.stream, media.ready, info.iceTransportPolicy);
  const [micOn, setMicOn] = useState(true);
  const [camOn, setCamOn] = useState(true);
  const [screen, setScreen] = useState<MediaStream | null>(null);
  const audio = media.stream?.getAudioTracks()[0] ?? null;
  const camera = media.stream?.getVideoTracks()[0] ?? null;

  useEffect(() => { if (audio) audio.enabled = micOn; }, [audio, micOn]);
  useEffect(() => { if (camera) camera.enabled = camOn; }, [camera, camOn]);
  // The others see on our tile whether the microphone and camera are on.
  useEffect(() => { setMedia({ mic: !!audio && micOn, cam: !!camera && camOn, screen: !!screen }); }, [setMedia, audio, camera, micOn, camOn, screen]);
  // Sharing ends with the page.
  useEffect(() => () => screen?.getTracks().forEach((tr) => tr.stop()), [screen]);

  const stopShare = async () => {
    await replaceTrack('video', camera);
    setScreen(null);
  };
  const share = async () => {
    if (screen) { await stopShare(); return; }
    try {
      const s = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      const track = s.getVideoTracks()[0]!;
      // A shared report or image must stay legible: keep the resolution, give up frame rate when bandwidth is short.
      track.contentHint = 'detail';
      track.onended = () => { void stopShare(); };
      await replaceTrack('video', track);
      setScreen(s);
    } catch {
      message.warning(t('room.shareFailed'));
    }
  };
  const leave = () => navigate(`/consultations/${id}`);

  if (status === 'refused' && refusal) return <Refused refusal={refusal} max={info.maxParticipants} onRetry={retry} onBack={leave} />;

  const localStream = screen ?? media.stream;
  const tiles = [
    <VideoTile key="me" stream={localStream} muted mirrored={!screen} name={`${me?.displayName ?? ''}（${t('room.you')}）`}
      videoOff={!screen && (!camera || !camOn)} micOff={!audio || !micOn} />,
    ...peers.map((p) => <VideoTile key={p.peerId} stream={p.stream} name={p.name || '…'} connecting={p.state !== 'connected'} failed={p.state === 'failed'}
      micOff={p.media?.mic === false} videoOff={p.media ? !p.media.cam && !p.media.screen : false} />),
  ];
  const problem = media.problem && <Alert type={media.problem === 'denied' ? 'error' : 'warning'} showIcon closable
    message={t(media.problem === 'denied' ? 'room.cameraDenied' : media.problem === 'audio_only' ? 'room.audioOnly' : 'room.noDevices')} />;

  return (
    <div className="yl-room">
      <div className="yl-room-main">
        <div className="yl-room-head">
          <Typography.Title level={5} style={{ margin: 0 }}>{t('room.title')}</Typography.Title>
          {status === 'joined'
            ? <Tag color="green">{t('room.participants', { n: peers.length + 1, max: info.maxParticipants })}</Tag>
            : <Tag color="processing">{media.ready ? t('room.reconnecting') : t('room.joining')}</Tag>}
        </div>
        {problem}
        <div className={`yl-room-grid yl-room-n${tiles.length}`} data-testid="room-grid">{tiles}</div>
        {status === 'joined' && peers.length === 0 && <Typography.Text type="secondary" className="yl-room-hint">{t('room.waiting')}</Typography.Text>}
        <div className="yl-room-controls">
          <Tooltip title={micOn ? t('room.micOff') : t('room.micOn')}>
            <Button shape="circle" size="large" danger={!micOn} disabled={!audio} aria-label={micOn ? t('room.micOff') : t('room.micOn')}
              icon={micOn ? <AudioOutlined /> : <AudioMutedOutlined />} onClick={() => setMicOn((v) => !v)} />
          </Tooltip>
          <Tooltip title={camOn ? t('room.camOff') : t('room.camOn')}>
            <Button shape="circle" size="large" danger={!camOn} disabled={!camera} aria-label={camOn ? t('room.camOff') : t('room.camOn')}
              icon={camOn ? <VideoCameraOutlined /> : <VideoCameraAddOutlined />} onClick={() => setCamOn((v) => !v)} />
          </Tooltip>
          {!mobile && (
            <Tooltip title={screen ? t('room.stopShare') : t('room.share')}>
              <Button shape="circle" size="large" type={screen ? 'primary' : 'default'} aria-label={screen ? t('room.stopShare') : t('room.share')}
                icon={<DesktopOutlined />} onClick={() => { void share(); }} />
            </Tooltip>
          )}
          <Button danger type="primary" size="large" shape="round" icon={<LogoutOutlined />} onClick={leave}>{t('room.leave')}</Button>
        </div>
      </div>
      <aside className="yl-room-side">
        <Tabs size="small" items={[
          { key: 'material', label: <span><FileTextOutlined /> {t('room.material')}</span>, children: <Material id={id} c={material} info={info} lang={i18n.language} /> },
          { key: 'chat', label: t('room.chat'), children: <RoomChat id={id} c={material} /> },
        ]} />
      </aside>
    </div>
  );
}

function VideoTile({ stream, name, muted, mirrored, videoOff, micOff, connecting, failed }: {
  stream: MediaStream | null; name: string; muted?: boolean; mirrored?: boolean; videoOff?: boolean; micOff?: boolean; connecting?: boolean; failed?: boolean;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const v = ref.current;
    if (v && v.srcObject !== stream) { v.srcObject = stream; if (stream) void v.play().catch(() => {}); }
  }, [stream]);
  return (
    <figure className="yl-room-tile">
      <video ref={ref} autoPlay playsInline muted={muted} className={mirrored ? 'yl-room-mirror' : undefined} style={{ visibility: videoOff || !stream || failed ? 'hidden' : 'visible' }} />
      {(videoOff || !stream || failed) && (
        <div className="yl-room-avatar">
          <Avatar size={56} icon={<UserOutlined />} />
          <span>{failed ? t('room.failed') : connecting ? t('room.connecting') : videoOff ? t('room.noVideo') : ''}</span>
        </div>
      )}
      <figcaption>{micOff && <AudioMutedOutlined />} {name}</figcaption>
    </figure>
  );
}

function Refused({ refusal, max, onRetry, onBack }: { refusal: Refusal; max: number; onRetry: () => void; onBack: () => void }) {
  const { t } = useTranslation();
  const sub = refusal.code === 'room_closed'
    ? (refusal.opensAt ? t('room.opensAt', { from: fmtTime(refusal.opensAt), to: fmtTime(refusal.closesAt) }) : t('room.notScheduled'))
    : undefined;
  return (
    <Result status={refusal.code === 'not_participant' ? '403' : 'warning'} title={t(`room.refused.${refusal.code}`, { max })} subTitle={sub}
      extra={[
        ...(refusal.code !== 'not_participant' ? [<Button key="retry" type="primary" onClick={onRetry}>{t('room.retry')}</Button>] : []),
        <Button key="back" onClick={onBack}>{t('room.back')}</Button>,
      ]} />
  );
}

type Loaded = ReturnType<typeof useApiData<CaseMaterial>>;

function Material({ id, c, info, lang }: { id: string; c: Loaded; info: RoomInfo; lang: string }) {
  const { t } = useTranslation();
  if (c.loading && !c.data) return <div className="yl-center"><Spin /></div>;
  const d = c.data;
  return (
    <div className="yl-room-material">
      {d ? (
        <Descriptions column={1} size="small" layout="vertical" colon={false} items={[
          ...(d.patient ? [{ key: 'p', label: t('room.patient'), children: `${d.patient.name} · ${d.code}` }] : []),
          { key: 'purpose', label: t('room.purpose'), children: <span style={{ whiteSpace: 'pre-wrap' }}>{d.purpose}</span> },
          { key: 'summary', label: t('room.summary'), children: <span style={{ whiteSpace: 'pre-wrap' }}>{d.summary}</span> },
          { key: 'dx', label: t('room.diagnoses'), children: d.diagnoses.length ? d.diagnoses.map((x) => <div key={x.code}>{x.code} {x.display ?? ''}</div>) : '—' },
          { key: 'files', label: t('room.attachments'), children: d.attachments.length
            ? d.attachments.map((a) => <div key={a.sha256}><a href={`/api/v1/consultations/${id}/attachments/${a.sha256}`} target="_blank" rel="noreferrer">{a.name}</a></div>)
            : <span className="yl-muted">{t('room.noAttachments')}</span> },
        ]} />
      ) : <Alert type="warning" showIcon message={c.error ? c.error.text(lang) : t('room.materialError')} />}
      <Typography.Text strong>{t('room.people')}</Typography.Text>
      <ul className="yl-room-people">
        {info.participants.map((p) => <li key={p.userId}>{p.name} <Tag>{t(`room.sides.${p.side}`)}</Tag></li>)}
      </ul>
    </div>
  );
}

/** The consultation's thread: the one the detail names, or the case thread found or created by ChatPanel. */
function RoomChat({ id, c }: { id: string; c: Loaded }) {
  const { t } = useTranslation();
  if (c.loading && !c.data) return <div className="yl-center"><Spin /></div>;
  if (c.data?.threadId) return <div className="yl-room-chat"><Conversation threadId={c.data.threadId} compact /></div>;
  if (!c.data) return <Empty description={t('room.materialError')} />;
  return <ChatPanel caseType="consultation" caseId={id} patientId={c.data.patientId} title={`${t('room.chat')} ${c.data.code}`} bordered={false} height={420} />;
}
