import { bootstrap } from '../../safeguards/src/bootstrap';

// The api role alone, so roles scale out separately.
void bootstrap(['api']);
