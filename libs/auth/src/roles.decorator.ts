import { SetMetadata } from '@nestjs/common';
import type { TokenRole } from './role';

export const ROLES_KEY = 'sg:roles';
export const PUBLIC_KEY = 'sg:public';

/** The roles allowed on a handler or controller; admin is always allowed. */
export const Roles = (...roles: TokenRole[]) => SetMetadata(ROLES_KEY, roles);

/** Opts a handler out of authentication (health probes only). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
