/**
 * Cloud providers by their AS numbers (the networks they announce their customers' addresses
 * from), as registered in the RIR/PeeringDB records of each provider (peeringdb.com/net?asn=N,
 * bgp.he.net/ASN). Only networks that host customer machines are listed: an address there may be
 * anyone's rented server. The operator's named-networks file (DBWATCH_NETWORKS) overrides this.
 */
export const CLOUD_PROVIDER_ASNS: Readonly<Record<string, readonly number[]>> = {
  aws: [16509, 14618, 8987],
  azure: [8075, 8068, 8069, 12076],
  gcp: [15169, 396982, 19527],
  oracle: [31898],
  ibm: [36351],
  alibaba: [45102, 37963],
  tencent: [132203, 45090],
  digitalocean: [14061],
  linode: [63949],
  ovh: [16276],
  hetzner: [24940, 213230],
  vultr: [20473],
  scaleway: [12876],
  contabo: [51167, 141995],
};
