// Key builders for the table: every pk/sk/gsi key is made here, never concatenated elsewhere.

export const keys = {
  org: (orgId: string) => ({ pk: `ORG#${orgId}`, sk: "ORG" }),
  member: (orgId: string, userId: string) => ({ pk: `ORG#${orgId}`, sk: `MEMBER#${userId}` }),
  memberPrefix: "MEMBER#",
  /** A member added by e-mail, waiting for a user who signs in with that address. */
  invitation: (orgId: string, email: string) => ({ pk: `ORG#${orgId}`, sk: `INVITE#${email.toLowerCase()}` }),
  /** gsi1: the organisations a user belongs to. */
  userOrgs: (userId: string, orgId: string) => ({ gsi1pk: `USER#${userId}`, gsi1sk: `ORG#${orgId}` }),
  invitationPrefix: "INVITE#",
  /** gsi1: the partition of a user's organisations (their member items), and the organisation in a sort key. */
  userOrgsPartition: (userId: string) => ({ gsi1pk: `USER#${userId}` }),
  userOrgsPrefix: "ORG#",

  // Applications of the developer portal.
  application: (appId: string) => ({ pk: `APP#${appId}`, sk: "APP" }),
  /** In the organisation's partition: every application, for managers' lists. */
  orgApplication: (orgId: string, appId: string) => ({ pk: `ORG#${orgId}`, sk: `APP#${appId}` }),
  orgApplicationPrefix: "APP#",
  /** In the organisation's partition: the applications a member owns, for Developers' lists. */
  ownedApplication: (orgId: string, userId: string, appId: string) => ({
    pk: `ORG#${orgId}`,
    sk: `OWNS#${userId}#APP#${appId}`,
  }),
  ownedApplicationPrefix: (userId: string) => `OWNS#${userId}#APP#`,

  // Synchronization: connections, runs and owner tokens.
  /**
   * A connection lives in its iModel's partition (its id names the iModel): one Query lists the iModel's
   * connections whole, and they go with the iModel.
   */
  connection: (imodelId: string, connectionId: string) => ({ pk: `IMODEL#${imodelId}`, sk: `CONN#${connectionId}` }),
  imodelConnectionPrefix: "CONN#",
  /** The partition of a connection's runs. */
  connectionRuns: (connectionId: string) => ({ pk: `CONN#${connectionId}` }),
  run: (id: string) => ({ pk: `RUN#${id}`, sk: "RUN" }),
  /** In the connection's partition, newest last: its runs. */
  connectionRun: (connectionId: string, queuedAt: string, runId: string) => ({
    pk: `CONN#${connectionId}`,
    sk: `RUN#${queuedAt}#${runId}`,
  }),
  connectionRunPrefix: "RUN#",
  syncToken: (userId: string) => ({ pk: `USER#${userId}`, sk: "SYNCTOKEN" }),
  /**
   * gsi1, the owner index: a connection carries its owner's keys (moved by every Put of the connection: creation,
   * transfer, take; gone with it), and the owner's token item carries `#TOKEN`, which sorts first: one Query
   * answers `GET /me/connections` with the caller's token state (store/owner-index.ts).
   */
  ownedConnection: (userId: string, connectionId: string) => ({
    gsi1pk: `OWNER#${userId}`,
    gsi1sk: `CONN#${connectionId}`,
  }),
  ownerTokenEntry: (userId: string) => ({ gsi1pk: `OWNER#${userId}`, gsi1sk: "#TOKEN" }),
  ownedConnectionPrefix: "CONN#",

  // Notifications (the outbox). Failed ones are listed on gsi1 for operators.
  notification: (id: string) => ({ pk: `NOTE#${id}`, sk: "NOTE" }),
  failedNotifications: "NOTES#FAILED",
  /**
   * One partition per recipient address (lower case): the mails it received in the last hour (`RATE`),
   * the notifications held back over the hourly limit (`HELD#<createdAt>#<id>`), and the digest that
   * will carry them (`DIGEST`, on the due index while it waits).
   */
  mailRate: (address: string) => ({ pk: `MAILTO#${address.toLowerCase()}`, sk: "RATE" }),
  mailDigest: (address: string) => ({ pk: `MAILTO#${address.toLowerCase()}`, sk: "DIGEST" }),
  heldMail: (address: string, createdAt: string, id: string) => ({
    pk: `MAILTO#${address.toLowerCase()}`,
    sk: `HELD#${createdAt}#${id}`,
  }),
  heldMailPartition: (address: string) => ({ pk: `MAILTO#${address.toLowerCase()}` }),
  heldMailPrefix: "HELD#",

  // iTwins, their teams and iModels (docs/data-model-itwins.md). An iModel id embeds its iTwin id, so
  // the iModel item, the caller's team member item and list entry are fetched in one BatchGetItem.
  itwin: (itwinId: string) => ({ pk: `ITWIN#${itwinId}`, sk: "ITWIN" }),
  itwinMember: (itwinId: string, userId: string) => ({ pk: `ITWIN#${itwinId}`, sk: `MEMBER#${userId}` }),
  itwinMemberPrefix: "MEMBER#",
  itwinRole: (itwinId: string, roleId: string) => ({ pk: `ITWIN#${itwinId}`, sk: `ROLE#${roleId}` }),
  itwinRolePrefix: "ROLE#",
  imodel: (itwinId: string, imodelId: string) => ({ pk: `ITWIN#${itwinId}`, sk: `IMODEL#${imodelId}` }),
  imodelPrefix: "IMODEL#",
  /** The iTwins a user is a team member (or Test iTwin participant) of, by organisation and kind. */
  userItwin: (userId: string, orgId: string, kind: string, itwinId: string) => ({
    pk: `USER#${userId}#ITWINS`,
    sk: `ORG#${orgId}#${kind}#${itwinId}`,
  }),
  userItwinPrefix: (orgId: string, kind: string) => `ORG#${orgId}#${kind}#`,
  userItwins: (userId: string) => ({ pk: `USER#${userId}#ITWINS` }),
  /**
   * One item per user and organisation: the teams of that organisation the user is on (and those where
   * they hold team_manage), moved in the same transaction as every team member item, so removing the
   * user from the organisation reads it with the membership instead of querying the index above.
   * Its sk has no trailing '#', so the index's `ORG#<org>#` prefixes never match it.
   */
  userTeams: (userId: string, orgId: string) => ({ pk: `USER#${userId}#ITWINS`, sk: `ORG#${orgId}` }),
  /** Everything an iModel holds lives in its own partition and goes with it. */
  imodelPartition: (imodelId: string) => ({ pk: `IMODEL#${imodelId}` }),
  imodelAccess: (imodelId: string, userId: string) => ({ pk: `IMODEL#${imodelId}`, sk: `ACCESS#${userId}` }),
  imodelAccessPrefix: "ACCESS#",
  /** One item per user and iModel: "has this user interacted with this iModel" is one GetItem. */
  interaction: (imodelId: string, userId: string) => ({ pk: `IMODEL#${imodelId}`, sk: `INTERACTED#${userId}` }),
  changeset: (imodelId: string, index: number) => ({
    pk: `IMODEL#${imodelId}`,
    sk: `CHANGESET#${String(index).padStart(10, "0")}`,
  }),
  changesetPrefix: "CHANGESET#",
  /** Written only with an Idempotency-Key: finds the changeset a retried push already appended. */
  changesetById: (imodelId: string, changesetId: string) => ({ pk: `IMODEL#${imodelId}`, sk: `PUSHED#${changesetId}` }),
  namedVersion: (imodelId: string, namedVersionId: string) => ({
    pk: `IMODEL#${imodelId}`,
    sk: `NAMEDVERSION#${namedVersionId}`,
  }),
  namedVersionPrefix: "NAMEDVERSION#",
  briefcase: (imodelId: string, briefcaseId: string) => ({ pk: `IMODEL#${imodelId}`, sk: `BRIEFCASE#${briefcaseId}` }),
  lock: (imodelId: string, objectId: string) => ({ pk: `IMODEL#${imodelId}`, sk: `LOCK#${objectId}` }),
  lockPrefix: "LOCK#",

  /** The answer kept for a caller's Idempotency-Key (scope: a digest of caller and key); removed by the table's TTL. */
  receipt: (scope: string) => ({ pk: `IDEM#${scope}`, sk: "IDEM" }),

  // The audit trail (shared/store/audit.ts): one partition per organisation, sorted by time; an iModel's
  // entries also carry gsi1 keys, so its own trail is one Query of the index.
  auditEntry: (orgId: string, at: string, id: string) => ({ pk: `AUDIT#ORG#${orgId}`, sk: `AUDIT#${at}#${id}` }),
  auditOfOrganization: (orgId: string) => ({ pk: `AUDIT#ORG#${orgId}` }),
  auditOfImodelEntry: (imodelId: string, at: string, id: string) => ({
    gsi1pk: `AUDIT#IMODEL#${imodelId}`,
    gsi1sk: `AUDIT#${at}#${id}`,
  }),
  auditOfImodel: (imodelId: string) => ({ gsi1pk: `AUDIT#IMODEL#${imodelId}` }),
  auditPrefix: "AUDIT#",
} as const;
