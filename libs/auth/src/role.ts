/**
 * An API token's role (a process's role is ProcessRole in @sg/common): who may do what.
 * admin: everything, including tokens and inventory writes; responder: cases, inventory reads,
 * alerts; ingest: only the flow ingestion endpoints (for exporters and log shippers).
 */
export const TokenRole = { ADMIN: 'admin', RESPONDER: 'responder', INGEST: 'ingest' } as const;
export type TokenRole = (typeof TokenRole)[keyof typeof TokenRole];
export const TOKEN_ROLES: readonly TokenRole[] = [TokenRole.ADMIN, TokenRole.RESPONDER, TokenRole.INGEST];
