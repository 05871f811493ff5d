import { bootstrap } from '../../safeguards/src/bootstrap';

// The collector role alone, so roles scale out separately.
void bootstrap(['collector']);
