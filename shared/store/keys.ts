// Key builders for the table: every pk/sk/gsi key is made here, never concatenated elsewhere.

export const keys = {
  org: (orgId: string) => ({ pk: `ORG#${orgId}`, sk: "ORG" }),
  member: (orgId: string, userId: string) => ({ pk: `ORG#${orgId}`, sk: `MEMBER#${userId}` }),
  memberPrefix: "MEMBER#",
  /** gsi1: the organisations a user belongs to. */
  userOrgs: (userId: string, orgId: string) => ({ gsi1pk: `USER#${userId}`, gsi1sk: `ORG#${orgId}` }),

  // Applications of the developer portal.
  application: (appId: string) => ({ pk: `APP#${appId}`, sk: "APP" }),
  /** In the organisation's partition: every application, for managers' lists. */
  orgApplication: (orgId: string, appId: string) => ({ pk: `ORG#${orgId}`, sk: `APP#${appId}` }),
  orgApplicationPrefix: "APP#",
  /** In the organisation's partition: the applications a member owns, for Developers' lists. */
  ownedApplication: (orgId: string, userId: string, appId: string) => ({ pk: `ORG#${orgId}`, sk: `OWNS#${userId}#APP#${appId}` }),
  ownedApplicationPrefix: (userId: string) => `OWNS#${userId}#APP#`,
} as const;
