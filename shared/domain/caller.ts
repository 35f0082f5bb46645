// Who acts on a request, and since when: the identity every use case judges (the edge builds it from the token's claims).

export interface Caller {
  userId: string;
  /**
   * The address the identity provider vouches for: the `email` claim only when `email_verified` is
   * "true". A token without that claim (Entra ID, many custom issuers) carries no address here.
   */
  email?: string;
  name?: string;
  /**
   * When the token was issued (`iat`): a promotion applies to tokens issued after it. Never
   * `auth_time`, which identity providers keep across refreshes, so it can be days old.
   */
  signedInAt: Date;
}
