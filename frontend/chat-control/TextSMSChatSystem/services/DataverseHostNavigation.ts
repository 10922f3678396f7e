/**
 * HostNavigation over the PCF context: `context.navigation` for the quick-create form and the Help page,
 * `context.utils` for the user/team picker.
 */
import { normalizeId, systemuser, team } from "@smsb/shared";
import { HELP_WEBRESOURCE } from "../ManifestConstants";
import { EntityRef } from "../model/sessions";
import { HostNavigation } from "./ChatService";

type Navigation = ComponentFramework.Navigation;
type Utility = ComponentFramework.Utility;

export class DataverseHostNavigation implements HostNavigation {
    private navigation: Navigation | null = null;

    constructor(private readonly utils: Utility) {}

    /** The navigation object of the latest context (it can change between updateView calls). */
    useNavigation(navigation: Navigation): void {
        this.navigation = navigation;
    }

    async createRecord(table: string, from: EntityRef | null): Promise<EntityRef | null> {
        if (!this.navigation) {
            return null;
        }
        const options: ComponentFramework.NavigationApi.EntityFormOptions = {
            entityName: table,
            useQuickCreateForm: true,
        };
        if (from) {
            options.createFromEntity = { entityType: from.entityType, id: from.id, name: from.name ?? "" };
        }
        const result = await this.navigation.openForm(options);
        const saved = (result as { savedEntityReference?: ComponentFramework.LookupValue[] } | undefined)
            ?.savedEntityReference?.[0];
        return saved ? { entityType: saved.entityType || table, id: normalizeId(saved.id), name: saved.name } : null;
    }

    openHelp(): void {
        this.navigation?.openWebResource(HELP_WEBRESOURCE, { openInNewWindow: true });
    }

    async pickOwner(): Promise<EntityRef | null> {
        const picked = await this.utils.lookupObjects({
            allowMultiSelect: false,
            defaultEntityType: systemuser.ref.logicalName,
            entityTypes: [systemuser.ref.logicalName, team.ref.logicalName],
        });
        const first = picked?.[0];
        return first ? { entityType: first.entityType, id: normalizeId(first.id), name: first.name } : null;
    }
}
