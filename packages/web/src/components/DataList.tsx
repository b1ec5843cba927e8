/** A list of records: a table on wide screens, a column of cards on phones; server-side paging. */
import { Alert, Card, Empty, Pagination, Spin, Table } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState, type Key, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../api';
import { useIsMobile } from '../hooks';

export interface Paging { current: number; pageSize: number; limit: number; offset: number; onChange: (page: number, size: number) => void; reset: () => void }

/** Page number and size, as limit/offset for the API. */
export function usePaging(initialSize = 20): Paging {
  const [state, setState] = useState({ current: 1, pageSize: initialSize });
  return {
    ...state,
    limit: state.pageSize,
    offset: (state.current - 1) * state.pageSize,
    onChange: (current, pageSize) => setState({ current: pageSize === state.pageSize ? current : 1, pageSize }),
    reset: () => setState((s) => ({ ...s, current: 1 })),
  };
}

interface Props<T> {
  rowKey: (r: T) => Key;
  columns: ColumnsType<T>;
  data: T[] | undefined;
  total?: number;
  loading?: boolean;
  paging?: Paging;
  /** How one record reads as a card on a phone; without it phones get the table with horizontal scroll. */
  renderCard?: (r: T) => ReactNode;
  onOpen?: (r: T) => void;
  empty?: ReactNode;
  /** The list could not be loaded: say why instead of showing an empty list. */
  error?: ApiError | null;
  /** The server stopped counting (patient search counts to 1,000): the total is a lower bound. */
  totalCapped?: boolean;
}

export function DataList<T extends object>({ rowKey, columns, data, total, loading, paging, renderCard, onOpen, empty, error, totalCapped }: Props<T>) {
  const mobile = useIsMobile();
  const { t, i18n } = useTranslation();
  if (error && !data) return <Alert type="error" showIcon title={error.text(i18n.language)} />;
  const pagination = paging && {
    current: paging.current, pageSize: paging.pageSize, total: total ?? data?.length ?? 0, onChange: paging.onChange,
    showSizeChanger: !mobile, size: mobile ? ('small' as const) : undefined, simple: mobile,
    showTotal: mobile ? undefined : (n: number) => t(totalCapped ? 'common.totalCountCapped' : 'common.totalCount', { count: n }),
  };
  if (mobile && renderCard) {
    return (
      <Spin spinning={!!loading}>
        <div className="yl-card-list">
          {(data ?? []).map((r) => (
            <Card key={rowKey(r)} size="small" hoverable={!!onOpen} onClick={onOpen ? () => onOpen(r) : undefined}>
              {renderCard(r)}
            </Card>
          ))}
          {!loading && !data?.length && (empty ?? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />)}
          {pagination && (total ?? 0) > paging.pageSize && <Pagination {...pagination} style={{ textAlign: 'center', marginTop: 4 }} />}
        </div>
      </Spin>
    );
  }
  return (
    <Table<T>
      rowKey={rowKey}
      columns={columns}
      dataSource={data}
      loading={loading}
      size={mobile ? 'small' : 'middle'}
      scroll={{ x: 'max-content' }}
      pagination={pagination ?? false}
      locale={empty ? { emptyText: empty } : undefined}
      onRow={onOpen ? (r) => ({ onClick: () => onOpen(r), style: { cursor: 'pointer' } }) : undefined}
    />
  );
}
