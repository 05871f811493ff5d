/**
 * What the record decoder does with one field of a compiled template. Everything the pipeline
 * does not use is SKIP and costs nothing in fixed-length templates (it is left out of the plan).
 */
export const FieldKind = {
  SKIP: 0,
  OCTETS: 1,
  PACKETS: 2,
  OCTETS_TOTAL: 3,
  PACKETS_TOTAL: 4,
  PROTO: 5,
  TCP_FLAGS: 6,
  SRC_PORT: 7,
  DST_PORT: 8,
  SRC_V4: 9,
  DST_V4: 10,
  /** IPv6 address in a template without IPv4 addresses: always written. */
  SRC_V6: 11,
  DST_V6: 12,
  /** IPv6 address in a template that also has IPv4 ones: written only when not all zero. */
  SRC_V6_IF_SET: 13,
  DST_V6_IF_SET: 14,
  START_UPTIME: 15,
  END_UPTIME: 16,
  START_SEC: 17,
  END_SEC: 18,
  START_MS: 19,
  END_MS: 20,
  /** dateTimeMicroseconds / dateTimeNanoseconds: 64-bit NTP timestamps (RFC 7011 6.1.9-10). */
  START_NTP: 21,
  END_NTP: 22,
  /** flowStart/EndDeltaMicroseconds: microseconds before the export time. */
  START_DELTA_US: 23,
  END_DELTA_US: 24,
  ICMP_TYPE_CODE: 25,
  SAMPLING_INTERVAL: 26,
  SAMPLER_ID: 27,
  PACKET_INTERVAL: 28,
  PACKET_SPACE: 29,
  SAMPLING_SIZE: 30,
  SAMPLING_POPULATION: 31,
  SYSTEM_INIT_MS: 32,
} as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

/** Length 65535 in a field specifier means the length is carried in each record (RFC 7011 7). */
export const VARIABLE_LENGTH = 65535;

/**
 * Maps an information element to its kind. Fields with an unexpected length are skipped rather
 * than misread; counters and times accept the reduced-size encodings (RFC 7011 6.2).
 * `scope` marks option scope fields: in NetFlow v9 their type numbers are scope types (1 system,
 * 2 interface, ...), not element ids, so they are never interpreted.
 */
export function fieldKindOf(
  id: number,
  length: number,
  enterprise: boolean,
  scope: boolean,
  ipfix: boolean,
): FieldKind {
  if (enterprise || length === VARIABLE_LENGTH || length === 0) return FieldKind.SKIP;
  if (scope) {
    if (!ipfix) return FieldKind.SKIP;
    return (id === 48 || id === 302) && length <= 8 ? FieldKind.SAMPLER_ID : FieldKind.SKIP;
  }
  const counter = length <= 8;
  switch (id) {
    case 1:
      return counter ? FieldKind.OCTETS : FieldKind.SKIP;
    case 2:
      return counter ? FieldKind.PACKETS : FieldKind.SKIP;
    case 85:
      return counter ? FieldKind.OCTETS_TOTAL : FieldKind.SKIP;
    case 86:
      return counter ? FieldKind.PACKETS_TOTAL : FieldKind.SKIP;
    case 4:
      return length === 1 ? FieldKind.PROTO : FieldKind.SKIP;
    case 6:
      return length <= 2 ? FieldKind.TCP_FLAGS : FieldKind.SKIP;
    case 7:
      return length === 2 ? FieldKind.SRC_PORT : FieldKind.SKIP;
    case 11:
      return length === 2 ? FieldKind.DST_PORT : FieldKind.SKIP;
    case 8:
      return length === 4 ? FieldKind.SRC_V4 : FieldKind.SKIP;
    case 12:
      return length === 4 ? FieldKind.DST_V4 : FieldKind.SKIP;
    case 27:
      return length === 16 ? FieldKind.SRC_V6 : FieldKind.SKIP;
    case 28:
      return length === 16 ? FieldKind.DST_V6 : FieldKind.SKIP;
    case 22:
      return length === 4 ? FieldKind.START_UPTIME : FieldKind.SKIP;
    case 21:
      return length === 4 ? FieldKind.END_UPTIME : FieldKind.SKIP;
    case 150:
      return length === 4 ? FieldKind.START_SEC : FieldKind.SKIP;
    case 151:
      return length === 4 ? FieldKind.END_SEC : FieldKind.SKIP;
    case 152:
      return counter ? FieldKind.START_MS : FieldKind.SKIP;
    case 153:
      return counter ? FieldKind.END_MS : FieldKind.SKIP;
    case 154:
    case 156:
      return length === 8 ? FieldKind.START_NTP : FieldKind.SKIP;
    case 155:
    case 157:
      return length === 8 ? FieldKind.END_NTP : FieldKind.SKIP;
    case 158:
      return length === 4 ? FieldKind.START_DELTA_US : FieldKind.SKIP;
    case 159:
      return length === 4 ? FieldKind.END_DELTA_US : FieldKind.SKIP;
    case 32:
    case 139:
      return length === 2 ? FieldKind.ICMP_TYPE_CODE : FieldKind.SKIP;
    case 34: // samplingInterval (v9 SAMPLING_INTERVAL)
    case 50: // samplerRandomInterval (v9 FLOW_SAMPLER_RANDOM_INTERVAL)
      return counter ? FieldKind.SAMPLING_INTERVAL : FieldKind.SKIP;
    case 48: // samplerId (v9 FLOW_SAMPLER_ID)
    case 302: // selectorId
      return counter ? FieldKind.SAMPLER_ID : FieldKind.SKIP;
    case 305:
      return counter ? FieldKind.PACKET_INTERVAL : FieldKind.SKIP;
    case 306:
      return counter ? FieldKind.PACKET_SPACE : FieldKind.SKIP;
    case 309:
      return counter ? FieldKind.SAMPLING_SIZE : FieldKind.SKIP;
    case 310:
      return counter ? FieldKind.SAMPLING_POPULATION : FieldKind.SKIP;
    case 160:
      return length === 8 ? FieldKind.SYSTEM_INIT_MS : FieldKind.SKIP;
    default:
      return FieldKind.SKIP;
  }
}
