/** 会诊统计 and 移动问诊 labels (zh first; en has the same keys), under `cx.`. */
export const consultationExtraZh = {
  rep: {
    title: '会诊统计', subtitle: '会诊量、时限内答复、超时、响应时间与评价',
    groupBy: { kind: '类型', institution: '申请机构', department: '申请科室', expert: '专家', month: '月份' },
    groupByShort: { kind: '类型', institution: '机构', department: '科室', expert: '专家', month: '月份' },
    group: '分组', total: '合计', count: '会诊量', closed: '已完成', cancelled: '已取消', expired: '已过期',
    answered: '已出意见', inLimit: '时限内答复', overdue: '超时', inLimitShare: '时限内答复率',
    respMean: '平均响应（分钟）', respP90: 'P90 响应（分钟）', limit: '时限（分钟）', signed: '已签署意见',
    rating: '平均评分', ratings: '评价数', export: '导出 Excel', empty: '所选期间没有会诊',
    chartCounts: '会诊量与时限', chartResponse: '响应时间与时限（分钟，对数刻度）', chartRating: '服务评价（1–5 分）',
    allInstitutions: '全部机构', expertNote: '按专家统计时，每例会诊计入每位接受邀请的专家，各组之和可大于合计。',
  },
  qc: {
    title: '移动问诊', subtitle: '向专家在线咨询：文字、图片、语音', asked: '我发起的', received: '我收到的', all: '全部',
    newConsult: '发起问诊', expert: '专家', chooseExpert: '输入姓名、科室或专长搜索专家', patient: '患者（可选）',
    choosePatient: '输入姓名、拼音、身份证号或手机号', subject: '主题', subjectPh: '例如：心电图 ST 段改变如何处理',
    text: '问题描述', textPh: '病情、检查结果和想请教的问题；图片和语音可在对话中发送',
    create: '发送', created: '已发起问诊', asker: '提问医生', status: '状态', updated: '更新时间', code: '问诊号',
    empty: '暂无问诊', pick: '选择左侧的问诊查看对话', back: '返回列表',
    answer: '回复并标记已答复', answerPh: '专家意见', answered: '已答复', convert: '转会诊/转诊', convertTo: '转为',
    to: { consultation: '远程会诊申请（草稿）', referral: '转诊单（草稿）' }, converted: '已转为草稿', openDraft: '打开草稿',
    close: '结束问诊', closeConfirm: '结束后不能再回复，确定结束？', closed: '已结束', needPatient: '转为会诊或转诊需要选择患者',
    convertedTo: { consultation: '已转远程会诊', referral: '已转诊' }, noPatient: '未关联患者', notParticipant: '不是本问诊的参与者',
  },
};

export const consultationExtraEn: typeof consultationExtraZh = {
  rep: {
    title: 'Consultation report', subtitle: 'Volume, answers within the limit, overdue, response times and ratings',
    groupBy: { kind: 'Kind', institution: 'Institution', department: 'Department', expert: 'Expert', month: 'Month' },
    groupByShort: { kind: 'Kind', institution: 'Inst.', department: 'Dept.', expert: 'Expert', month: 'Month' },
    group: 'Group', total: 'Total', count: 'Consultations', closed: 'Closed', cancelled: 'Cancelled', expired: 'Expired',
    answered: 'Answered', inLimit: 'Within limit', overdue: 'Overdue', inLimitShare: 'Answered within limit',
    respMean: 'Mean response (min)', respP90: 'P90 response (min)', limit: 'Limit (min)', signed: 'Signed opinions',
    rating: 'Mean rating', ratings: 'Ratings', export: 'Export to Excel', empty: 'No consultations in this period',
    chartCounts: 'Volume and time limit', chartResponse: 'Response time vs limit (minutes, log scale)', chartRating: 'Ratings (1–5)',
    allInstitutions: 'All institutions', expertNote: 'By expert, a consultation counts once for each expert who accepted, so groups may add up to more than the total.',
  },
  qc: {
    title: 'Quick consults', subtitle: 'Ask an expert online: text, images, voice', asked: 'Asked by me', received: 'Asked of me', all: 'All',
    newConsult: 'Ask an expert', expert: 'Expert', chooseExpert: 'Search experts by name, department or specialty', patient: 'Patient (optional)',
    choosePatient: 'Name, pinyin, resident ID or phone', subject: 'Subject', subjectPh: 'e.g. how to handle ST changes on the ECG',
    text: 'Question', textPh: 'History, findings and your question; send images and voice in the chat',
    create: 'Send', created: 'Quick consult started', asker: 'Asked by', status: 'Status', updated: 'Updated', code: 'No.',
    empty: 'No quick consults', pick: 'Pick a consult on the left to see the conversation', back: 'Back to the list',
    answer: 'Reply and mark answered', answerPh: 'Your advice', answered: 'Answered', convert: 'Convert…', convertTo: 'Convert to',
    to: { consultation: 'Remote consultation (draft)', referral: 'Referral (draft)' }, converted: 'Draft created', openDraft: 'Open the draft',
    close: 'Close', closeConfirm: 'No replies after closing. Close it?', closed: 'Closed', needPatient: 'Choose a patient to convert',
    convertedTo: { consultation: 'Converted to consultation', referral: 'Converted to referral' }, noPatient: 'No patient', notParticipant: 'Not a participant',
  },
};
