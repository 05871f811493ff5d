/** Stable error codes in API answers; clients and tests match on these, not on messages. */
export const ErrorCode = {
  VALIDATION_FAILED: 'validation_failed',
  NOT_FOUND: 'not_found',
  CONFLICT: 'conflict',
  UNAUTHENTICATED: 'unauthenticated',
  FORBIDDEN: 'forbidden',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  INVALID_STATE: 'invalid_state',
  INTERNAL: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  not_found: 404,
  conflict: 409,
  unauthenticated: 401,
  forbidden: 403,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_state: 409,
  internal_error: 500,
};
