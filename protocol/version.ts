/** MAJOR.MINOR of the protocol this code speaks (PROTOCOL.md). Apart from schema/messages.ts so a browser bundle need not carry the schemas. */
export const PROTOCOL_VERSION = '1.2';
