/** A buyer the shop's login vouched for (BUYER_AUTH=jwt): its id is the token's `sub`. */
export interface Buyer {
  readonly id: string;
}
