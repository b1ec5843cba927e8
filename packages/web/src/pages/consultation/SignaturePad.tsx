/**
 * A signature drawn on screen: a canvas that follows pointer events (mouse, finger and pen alike, with the pen's
 * pressure), a clear button, and the drawing handed out as a PNG blob. Sized to its box and the screen's pixel ratio.
 */
import { ClearOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

interface Props {
  /** Called with the PNG after each stroke, or null when cleared. */
  onChange?: (png: Blob | null) => void;
  height?: number;
}

export function SignaturePad({ onChange, height = 180 }: Props) {
  const { t } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const last = useRef<{ x: number; y: number } | null>(null);
  const [empty, setEmpty] = useState(true);

  // The drawing surface has the box's size in device pixels, so lines stay sharp on phones.
  const fit = useCallback(() => {
    const c = canvas.current;
    if (!c) return;
    const ratio = window.devicePixelRatio || 1;
    const { width } = c.getBoundingClientRect();
    c.width = Math.round(width * ratio);
    c.height = Math.round(height * ratio);
    const g = c.getContext('2d');
    if (!g) return;
    g.scale(ratio, ratio);
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.strokeStyle = '#111';
    setEmpty(true);
  }, [height]);
  useEffect(() => { fit(); }, [fit]);

  const point = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const down = (e: React.PointerEvent<HTMLCanvasElement>) => {
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    last.current = point(e);
    // A tap leaves a dot.
    const g = e.currentTarget.getContext('2d');
    if (g) { g.beginPath(); g.arc(last.current.x, last.current.y, 1.2, 0, Math.PI * 2); g.fillStyle = '#111'; g.fill(); }
  };
  const move = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!last.current) return;
    e.preventDefault();
    const g = e.currentTarget.getContext('2d');
    if (!g) return;
    const p = point(e);
    g.lineWidth = e.pointerType === 'pen' && e.pressure > 0 ? 1 + e.pressure * 3 : 2.4;
    g.beginPath();
    g.moveTo(last.current.x, last.current.y);
    g.lineTo(p.x, p.y);
    g.stroke();
    last.current = p;
  };
  const up = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!last.current) return;
    last.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    setEmpty(false);
    e.currentTarget.toBlob((b) => onChange?.(b), 'image/png');
  };
  const clear = () => { fit(); onChange?.(null); };

  return (
    <div>
      <div style={{ position: 'relative', border: '1px dashed #8c8c8c', borderRadius: 6, background: '#fff' }}>
        <canvas ref={canvas} data-testid="signature-pad" aria-label={t('consultation.signHere')}
          style={{ display: 'block', width: '100%', height, touchAction: 'none', cursor: 'crosshair' }}
          onPointerDown={down} onPointerMove={move} onPointerUp={up} onPointerCancel={up} />
        {empty && (
          <div className="yl-muted" style={{ position: 'absolute', inset: 0, display: 'grid', placeItems: 'center', pointerEvents: 'none', fontSize: 13 }}>
            {t('consultation.signHere')}
          </div>
        )}
      </div>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', marginTop: 4 }}>
        <span className="yl-muted" style={{ fontSize: 12 }}>{empty ? '' : `✓ ${t('consultation.signed')}`}</span>
        <Button size="small" icon={<ClearOutlined />} onClick={clear} disabled={empty}>{t('consultation.clear')}</Button>
      </div>
    </div>
  );
}
