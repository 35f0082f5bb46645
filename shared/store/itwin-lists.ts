// The iTwins a user is on, from their own list entries (one Query of their partition): the standard ones with their
// names, or only the ids of one kind. A base of DynamoItwinStore, as DynamoItwinRoles is of this one.
import type { ItwinKind, ListedItwin } from "../domain/itwin";
import { DynamoItwinRoles } from "./itwin-roles";
import { keys } from "./keys";
import { decodeCursor, encodeCursor, type Page } from "./page";
import { queryPrefix, type PageRequest } from "./partition";

export class DynamoItwinLists extends DynamoItwinRoles {
  async listOfUser(userId: string, orgId: string, page: PageRequest): Promise<Page<ListedItwin>> {
    const { entries, next } = await this.entriesOfUser(userId, orgId, "standard", page);
    const items = entries.map(
      (e): ListedItwin => ({
        id: e.itwinId as string,
        orgId: e.orgId as string,
        kind: e.kind as ListedItwin["kind"],
        name: e.name as string,
        createdBy: e.createdBy as string,
        createdAt: e.createdAt as string,
      }),
    );
    return { items, next };
  }

  async idsOfUser(userId: string, orgId: string, kind: ItwinKind, page: PageRequest): Promise<Page<string>> {
    const { entries, next } = await this.entriesOfUser(userId, orgId, kind, page);
    return { items: entries.map((e) => e.itwinId as string), next };
  }

  private async entriesOfUser(userId: string, orgId: string, kind: ItwinKind, page: PageRequest) {
    const pk = keys.userItwins(userId).pk;
    const prefix = keys.userItwinPrefix(orgId, kind);
    const { items, lastKey } = await queryPrefix(this.table, pk, prefix, {
      limit: page.limit,
      start: decodeCursor(page.cursor, { pk }, { name: "sk", prefix }),
    });
    return { entries: items, next: encodeCursor(lastKey) };
  }
}
