import { bootstrap } from './bootstrap';

// Every role (or those named by ROLES) in one process: the single-machine deployment.
void bootstrap();
