/**
 * A document's files, streamed decrypted by the API to someone who may read the record (the session cookie goes
 * with same-origin requests): images inline (click to enlarge), PDFs open in a new tab, anything else downloads.
 */
import { DownloadOutlined, FileImageOutlined, FilePdfOutlined, FileOutlined } from '@ant-design/icons';
import { Button, Empty, Image, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { attachmentUrl, type Attachment } from './model';

const size = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

export function Attachments({ documentId, items }: { documentId: string; items: Attachment[] | undefined | null }) {
  const { t } = useTranslation();
  if (!items?.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('record.attach.none')} />;
  const images = items.filter((a) => a.contentType.startsWith('image/'));
  const others = items.filter((a) => !a.contentType.startsWith('image/'));
  return (
    <div>
      {!!images.length && (
        <Image.PreviewGroup>
          <Space wrap size={8} style={{ marginBottom: others.length ? 8 : 0 }}>
            {images.map((a) => (
              <figure key={a.position} style={{ margin: 0 }}>
                <Image src={attachmentUrl(documentId, a.position)} alt={a.name} width={120} height={120} style={{ objectFit: 'cover', borderRadius: 6 }} />
                <figcaption className="yl-muted yl-ellipsis" style={{ fontSize: 12, width: 120 }}><FileImageOutlined /> {a.name}</figcaption>
              </figure>
            ))}
          </Space>
        </Image.PreviewGroup>
      )}
      {others.map((a) => {
        const url = attachmentUrl(documentId, a.position);
        const pdf = a.contentType === 'application/pdf';
        return (
          <div key={a.position} style={{ display: 'flex', alignItems: 'center', gap: 8, padding: '4px 0' }}>
            {pdf ? <FilePdfOutlined style={{ color: '#cf1322', fontSize: 18 }} /> : <FileOutlined style={{ fontSize: 18 }} />}
            <Typography.Link href={url} target="_blank" rel="noreferrer" ellipsis style={{ flex: 1, minWidth: 0 }}>{a.name}</Typography.Link>
            <span className="yl-muted" style={{ fontSize: 12, flex: 'none' }}>{size(a.size)}</span>
            <Button size="small" type="text" icon={<DownloadOutlined />} href={url} download={a.name} aria-label={t('record.attach.download', { name: a.name })} />
          </div>
        );
      })}
    </div>
  );
}
