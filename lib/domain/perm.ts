/** RocketMQ's PermName bits. */
export const PERM_PRIORITY = 8;
export const PERM_READ = 4;
export const PERM_WRITE = 2;
export const PERM_INHERIT = 1;

export const isReadable = (perm: number): boolean => (perm & PERM_READ) === PERM_READ;
export const isWriteable = (perm: number): boolean => (perm & PERM_WRITE) === PERM_WRITE;
export const withoutWrite = (perm: number): number => perm & ~PERM_WRITE;
export const withWrite = (perm: number): number => perm | PERM_WRITE;
