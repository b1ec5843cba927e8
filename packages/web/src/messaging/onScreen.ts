/** Threads on screen right now (message centre or a ChatPanel): their new-message notifications need no toast. */
export const threadsOnScreen = new Set<string>();
