import { bootstrap } from '../../safeguards/src/bootstrap';

// The detector role alone (FLOW_BUS=nats): DETECTOR_INDEX of DETECTOR_COUNT, one per partition share.
void bootstrap(['detector']);
