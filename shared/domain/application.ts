// An application of the developer portal and its owners.
export interface Application {
  id: string;
  orgId: string;
  name: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Listed owners, the creator first (always listed, manager or not). Application and Subscription Managers own every application implicitly. */
  owners: string[];
  version: number;
}

/** How many owners one application may list: each owner is one more item in the transactions that change it. */
export const MAX_OWNERS = 50;
