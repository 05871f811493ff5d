import { bootstrap } from '../../safeguards/src/bootstrap';

// The worker role alone, so roles scale out separately.
void bootstrap(['worker']);
