// Key builders for the table: every pk/sk/gsi key is made here, never concatenated elsewhere.

export const keys = {
  org: (orgId: string) => ({ pk: `ORG#${orgId}`, sk: "ORG" }),
  member: (orgId: string, userId: string) => ({ pk: `ORG#${orgId}`, sk: `MEMBER#${userId}` }),
  memberPrefix: "MEMBER#",
  /** gsi1: the organisations a user belongs to. */
  userOrgs: (userId: string, orgId: string) => ({ gsi1pk: `USER#${userId}`, gsi1sk: `ORG#${orgId}` }),
} as const;
