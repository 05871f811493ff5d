/**
 * Who may do what. admin: everything, including tokens and inventory writes; responder: cases,
 * inventory reads, alerts; ingest: only the flow ingestion endpoints (for exporters and log shippers).
 */
export const Role = { ADMIN: 'admin', RESPONDER: 'responder', INGEST: 'ingest' } as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ROLES: readonly Role[] = [Role.ADMIN, Role.RESPONDER, Role.INGEST];
