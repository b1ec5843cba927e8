/** 会诊室 (the consultation video room) labels, under `room.` (zh first; en has the same keys). */
export const roomZh = {
  title: '会诊室', back: '返回会诊单', joining: '正在进入会诊室…', reconnecting: '连接中断，正在重新进入…',
  waiting: '等待其他参与者进入', you: '我', noVideo: '未开启摄像头', connecting: '连接中…',
  failed: '无法建立音视频连接：网络可能限制了直连，请联系管理员配置 TURN 中继服务器',
  mic: '麦克风', micOff: '静音', micOn: '取消静音', camOff: '关闭摄像头', camOn: '开启摄像头',
  share: '共享屏幕', stopShare: '停止共享', shareFailed: '无法共享屏幕', leave: '离开会诊室',
  material: '病例资料', chat: '会诊讨论', purpose: '会诊目的', summary: '病情摘要', diagnoses: '初步诊断',
  attachments: '附件', noAttachments: '无附件', patient: '患者', experts: '会诊专家', scheduledAt: '会诊时间', materialError: '病例资料暂不可用',
  participants: '参会人员（{{n}}/{{max}}）', people: '本次会诊参与人员',
  refused: {
    not_participant: '您不是本次会诊的参与者，无法进入会诊室',
    room_closed: '会诊室未开放', room_full: '会诊室已满（最多 {{max}} 人）',
  },
  opensAt: '开放时间：{{from}} 至 {{to}}', notScheduled: '会诊时间尚未确定',
  refresh: '刷新', retry: '重新进入',
  cameraDenied: '无法使用摄像头：请在浏览器地址栏允许访问摄像头和麦克风后刷新页面。您仍可听到、看到其他参与者。',
  audioOnly: '摄像头不可用，已仅使用麦克风进入。',
  noDevices: '未检测到摄像头或麦克风，将以仅观看方式进入。',
  sides: { applicant: '申请医生', expert: '会诊专家', centre: '会诊中心' },
};

export const roomEn: typeof roomZh = {
  title: 'Consultation room', back: 'Back to the consultation', joining: 'Entering the room…', reconnecting: 'Connection lost, entering again…',
  waiting: 'Waiting for the others to join', you: 'Me', noVideo: 'Camera off', connecting: 'Connecting…',
  failed: 'No audio/video connection: the network may block direct connections; ask the administrator to configure a TURN relay',
  mic: 'Microphone', micOff: 'Mute', micOn: 'Unmute', camOff: 'Turn camera off', camOn: 'Turn camera on',
  share: 'Share screen', stopShare: 'Stop sharing', shareFailed: 'Could not share the screen', leave: 'Leave the room',
  material: 'Case material', chat: 'Discussion', purpose: 'Purpose', summary: 'Clinical summary', diagnoses: 'Preliminary diagnoses',
  attachments: 'Attachments', noAttachments: 'No attachments', patient: 'Patient', experts: 'Experts', scheduledAt: 'Time', materialError: 'The case material is not available',
  participants: 'In the room ({{n}}/{{max}})', people: 'Participants of this consultation',
  refused: {
    not_participant: 'You are not a participant of this consultation',
    room_closed: 'The consultation room is not open', room_full: 'The room is full (at most {{max}} participants)',
  },
  opensAt: 'Open from {{from}} to {{to}}', notScheduled: 'No time has been agreed yet',
  refresh: 'Refresh', retry: 'Enter again',
  cameraDenied: 'The camera cannot be used: allow camera and microphone access in the browser’s address bar, then reload. You can still hear and see the others.',
  audioOnly: 'No camera: you joined with the microphone only.',
  noDevices: 'No camera or microphone found: you joined to watch and listen.',
  sides: { applicant: 'Applicant', expert: 'Expert', centre: 'Consultation centre' },
};
