/** Mainland mobile numbers: validation and masking (138****5678). */
export const MOBILE_RE = /^1[3-9]\d{9}$/;
export const isMobile = (s: string) => MOBILE_RE.test(s);
export const maskPhone = (p: string | null | undefined) => (p && p.length >= 7 ? p.slice(0, 3) + '****' + p.slice(-4) : p ?? null);
