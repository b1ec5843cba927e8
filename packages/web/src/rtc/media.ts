/** The local camera and microphone for the consultation room, falling back to the microphone alone, then to none. */
import { useEffect, useState } from 'react';

/** What went wrong getting the devices: refused by the user/browser, no camera (microphone only), nothing usable. */
export type MediaProblem = 'denied' | 'audio_only' | 'none' | null;

const VIDEO: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } };

async function acquire(): Promise<{ stream: MediaStream | null; problem: MediaProblem }> {
  const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!md?.getUserMedia) return { stream: null, problem: 'none' };
  try {
    return { stream: await md.getUserMedia({ audio: true, video: VIDEO }), problem: null };
  } catch (err) {
    const denied = (err as DOMException).name === 'NotAllowedError' || (err as DOMException).name === 'SecurityError';
    try {
      return { stream: await md.getUserMedia({ audio: true }), problem: denied ? 'denied' : 'audio_only' };
    } catch {
      return { stream: null, problem: denied ? 'denied' : 'none' };
    }
  }
}

export function useLocalMedia() {
  const [state, setState] = useState<{ stream: MediaStream | null; problem: MediaProblem; ready: boolean }>({ stream: null, problem: null, ready: false });
  useEffect(() => {
    let cancelled = false;
    let got: MediaStream | null = null;
    void acquire().then((r) => {
      got = r.stream;
      if (cancelled) { r.stream?.getTracks().forEach((t) => t.stop()); return; }
      setState({ ...r, ready: true });
    });
    return () => { cancelled = true; got?.getTracks().forEach((t) => t.stop()); };
  }, []);
  return state;
}
