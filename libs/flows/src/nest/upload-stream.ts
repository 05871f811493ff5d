// Moved to @sg/common (shared with dbwatch's log upload); kept so flows' imports stay as they were.
export { requireContentType, uploadStream } from '@sg/common';
