"""infra/main.bicep holds the deployment DESIGN 4.2 asks for: its parameters, resources, app settings, outputs and the
least-privilege role assignments, read straight from the template (tests/infra/bicep.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.infra.bicep import Declaration, Template, read_template

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
BICEP = INFRA / "main.bicep"
PARAMETERS = INFRA / "main.parameters.json"

ROLES = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Microsoft.Storage/storageAccounts",  # Storage Blob Data Owner
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Microsoft.Storage/storageAccounts",  # Storage Queue Data Contributor
    "4633458b-17de-408a-b874-0445c86b69e6": "Microsoft.KeyVault/vaults",  # Key Vault Secrets User
    "3913510d-42f4-4e42-8a64-420c390055eb": "Microsoft.Insights/components",  # Monitoring Metrics Publisher
}
# Each group of app settings and the condition under which the app gets it.
SETTING_GROUPS = {
    "commonSettings": (None, {"AzureWebJobsStorage__accountName", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
                              "DATAVERSE_URL", "DATAVERSE_AUTHORITY_HOST", "DATAVERSE_SERVER_AFFINITY",
                              "SMSB_INBOUND_BATCH", "SMSB_INBOUND_LINGER_MS", "SMSB_STATUS_BATCH",
                              "SMSB_OUTBOUND_BATCH",
                              "SMSB_OUTBOUND_LINGER_MS", "SMSB_TWILIO_MPS", "SMSB_MESSAGING_SERVICE_MPS",
                              "SMSB_PUBLIC_URL", "SMSB_ENCRYPTION_KEY",
                              "TWILIO_API_BASE_URL"}),
    "appRegistrationSettings": ("useAppRegistration ?", {"DATAVERSE_TENANT_ID", "DATAVERSE_CLIENT_ID"}),
    "clientSecretSettings": ("empty(dataverseClientSecret) ? []", {"DATAVERSE_CLIENT_SECRET"}),
    "certificateSettings": ("empty(dataverseClientCertificatePath) ? []", {"DATAVERSE_CLIENT_CERTIFICATE_PATH"}),
    "previousKeySettings": ("empty(smsbEncryptionKeyPrevious) ? []", {"SMSB_ENCRYPTION_KEY_PREVIOUS"}),
    "premiumSettings": ("isFlex ? []", {"FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME",
                                        "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID"}),
}
SECRET_SETTINGS = {"SMSB_ENCRYPTION_KEY", "SMSB_ENCRYPTION_KEY_PREVIOUS", "DATAVERSE_CLIENT_SECRET"}


@pytest.fixture(scope="module")
def template() -> Template:
    return read_template(BICEP)


def settings_of(group: Declaration) -> dict[str, str]:
    pairs = re.findall(r"name:\s*'([A-Za-z0-9_]+)'\s*\n\s*value:\s*(.+)", group.text)
    return dict(pairs)


def resources_of_type(template: Template, rtype: str) -> list[Declaration]:
    return [r for r in template.resources.values() if r.resource_type == rtype]


def test_the_reader_reads_the_whole_template(template: Template) -> None:
    text = BICEP.read_text(encoding="utf-8")
    heads = re.findall(r"^(?:param|var|resource|output) ", text, re.MULTILINE)
    assert len(template.declarations) == len(heads)
    assert template.resources["storage"].value("allowSharedKeyAccess") == "false"


def test_parameters(template: Template) -> None:
    params = template.params
    assert set(params) == {
        "location", "baseName", "hostingPlan", "maximumInstanceCount", "instanceMemoryMB",
        "httpPerInstanceConcurrency", "premiumMaximumElasticWorkerCount", "dataverseUrl", "dataverseTenantId",
        "dataverseClientId", "dataverseClientSecret", "dataverseClientCertificatePath", "dataverseAuthorityHost",
        "dataverseServerAffinity", "inboundBatch", "inboundLingerMs", "statusBatch", "outboundBatch",
        "outboundLingerMs", "twilioMps", "messagingServiceMps",
        "smsbEncryptionKey", "smsbEncryptionKeyPrevious", "twilioApiBaseUrl", "logRetentionDays", "tags"}
    required = {name for name, p in params.items() if "=" not in p.text}
    assert required == {"dataverseUrl", "smsbEncryptionKey"}
    secure = {name for name, p in params.items() if "@secure()" in p.decorators}
    assert secure == {"dataverseClientSecret", "smsbEncryptionKey", "smsbEncryptionKeyPrevious"}
    assert all(p.decorators and p.decorators[0].startswith("@description(") for p in params.values())
    assert "'FlexConsumption'" in params["hostingPlan"].text
    assert "twilioApiBaseUrl" in params
    assert params["twilioApiBaseUrl"].text.endswith("'https://api.twilio.com'")


def test_parameters_file(template: Template) -> None:
    values = json.loads(PARAMETERS.read_text(encoding="utf-8"))["parameters"]
    assert set(values) <= set(template.params)
    secure = {name for name, p in template.params.items() if "@secure()" in p.decorators}
    assert not secure & set(values), "secrets are passed at deployment time, never kept in the file"


def test_resources(template: Template) -> None:
    kinds = sorted(r.resource_type for r in template.resources.values())
    assert kinds == sorted([
        "Microsoft.OperationalInsights/workspaces", "Microsoft.Insights/components",
        "Microsoft.Storage/storageAccounts", "Microsoft.Storage/storageAccounts/blobServices",
        "Microsoft.Storage/storageAccounts/blobServices/containers", "Microsoft.Storage/storageAccounts/queueServices",
        "Microsoft.Storage/storageAccounts/queueServices/queues", "Microsoft.KeyVault/vaults",
        *["Microsoft.KeyVault/vaults/secrets"] * 3, "Microsoft.Web/serverfarms", "Microsoft.Web/sites",
        *["Microsoft.Web/sites/basicPublishingCredentialsPolicies"] * 2,
        *["Microsoft.Authorization/roleAssignments"] * 4,
    ])
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}(-preview)?", r.api_version) for r in template.resources.values())
    # the optional secrets exist only when their parameter is given
    assert template.resources["encryptionKeyPreviousSecret"].text.split("{", 1)[0].strip().endswith(
        "if (!empty(smsbEncryptionKeyPrevious))")
    assert "if (!empty(dataverseClientSecret))" in template.resources["dataverseClientSecretSecret"].text
    queues = re.findall(r"'([a-z-]+)'", template.variables["queueNames"].text)
    assert set(queues) == {"sms-inbound", "sms-inbound-poison", "sms-outbound", "sms-outbound-poison"}
    assert "for queueName in queueNames" in template.resources["queues"].text


def test_app_settings_and_when_each_is_given(template: Template) -> None:
    site = template.resources["functionApp"]
    assert re.search(r"appSettings: concat\(\[\s*\{\s*name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'", site.text)
    assert "], " + ", ".join(SETTING_GROUPS) + ")" in site.text, "every group reaches the app, in this order"
    seen: set[str] = set()
    for group_name, (condition, names) in SETTING_GROUPS.items():
        group = template.variables[group_name]
        settings = settings_of(group)
        assert set(settings) == names, group_name
        assert not seen & names, f"{group_name} sets a name twice"
        seen |= names
        if condition is not None:
            assert group.text.strip().startswith(f"= {condition}"), f"{group_name} is given only when {condition}"
    common = settings_of(template.variables["commonSettings"])
    assert common["SMSB_PUBLIC_URL"] == "publicUrl"
    assert template.variables["publicUrl"].text.strip() == "= 'https://${functionAppName}.azurewebsites.net'"
    assert common["AzureWebJobsStorage__accountName"] == "storageAccountName"
    # the managed identity is the default: no client id unless an app registration's secret or certificate is given
    assert template.variables["useAppRegistration"].text.strip() == (
        "= !empty(dataverseClientSecret) || !empty(dataverseClientCertificatePath)")
    premium = settings_of(template.variables["premiumSettings"])
    assert premium["FUNCTIONS_WORKER_RUNTIME"] == "'python'"
    assert premium["WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID"] == "'SystemAssigned'"
    assert site.value("linuxFxVersion") == "isFlex ? null : 'Python|3.11'"
    assert re.search(r"runtime:\s*\{\s*name: 'python'\s*version: '3.11'", template.variables["flexAppConfig"].text)


def test_no_secret_reaches_an_app_setting_or_output(template: Template) -> None:
    secure = [n for n, p in template.params.items() if "@secure()" in p.decorators]
    for group_name in SETTING_GROUPS:
        for name, value in settings_of(template.variables[group_name]).items():
            assert not any(re.search(rf"\b{s}\b", value) for s in secure), f"{name} carries a secret parameter"
            if name in SECRET_SETTINGS:
                assert value.startswith("'@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/"), name
    for output in template.outputs.values():
        assert not any(re.search(rf"\b{s}\b", output.text) for s in secure), output.name
    text = BICEP.read_text(encoding="utf-8")
    assert "listKeys" not in text, "storage is reached with the identity only"
    assert "AccountKey" not in text


def test_outputs(template: Template) -> None:
    assert set(template.outputs) == {"functionAppName", "functionAppUrl", "principalId", "registerWebhooksCommand"}
    command = template.outputs["registerWebhooksCommand"].text
    assert "az functionapp keys list" in command
    assert "| smsbridge register-webhooks" in command
    assert "--function-key -'" in command, "the key goes through a pipe, never onto the command line"


def test_role_assignments_are_exactly_the_four_the_app_needs(template: Template) -> None:
    assignments = resources_of_type(template, "Microsoft.Authorization/roleAssignments")
    granted = {}
    for assignment in assignments:
        role_var = re.search(r"roleDefinitions', (\w+)\)", assignment.value("roleDefinitionId") or "")
        assert role_var is not None, assignment.name
        role = template.variables[role_var.group(1)].text.strip().strip("= '")
        scope = template.resources[assignment.value("scope") or ""]
        granted[role] = scope.resource_type
        assert assignment.value("principalId") == "functionApp.identity.principalId"
        assert assignment.value("principalType") == "'ServicePrincipal'"
    assert granted == ROLES
    assert len(assignments) == len(ROLES)
    assert template.resources["functionApp"].value("type") == "'SystemAssigned'"


def test_storage_vault_and_site_hardening(template: Template) -> None:
    storage = template.resources["storage"]
    assert storage.value("allowSharedKeyAccess") == "false"
    assert storage.value("allowBlobPublicAccess") == "false"
    assert storage.value("minimumTlsVersion") == "'TLS1_2'"
    assert storage.value("supportsHttpsTrafficOnly") == "true"
    vault = template.resources["keyVault"]
    assert vault.value("enableRbacAuthorization") == "true"
    assert vault.value("enablePurgeProtection") == "true"
    assert vault.value("enableSoftDelete") == "true"
    site = template.resources["functionApp"]
    assert (site.value("minTlsVersion"), site.value("ftpsState")) == ("'1.2'", "'Disabled'")
    assert site.value("remoteDebuggingEnabled") == "false"
    assert site.value("httpsOnly") == "true"
    for policy in resources_of_type(template, "Microsoft.Web/sites/basicPublishingCredentialsPolicies"):
        assert policy.value("allow") == "false", policy.name


def test_every_setting_the_app_reads_can_be_set(template: Template) -> None:
    """Every name app/settings.py reads is an app setting in some deployment, except the loopback-only token."""
    source = (ROOT / "app" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'(?:require|get)\("([A-Za-z_]+)"', source))
    assert "DATAVERSE_URL" in read
    produced = {"APPLICATIONINSIGHTS_CONNECTION_STRING"}
    for group_name in SETTING_GROUPS:
        produced |= set(settings_of(template.variables[group_name]))
    # AzureWebJobsStorage is given the Functions way for a managed identity: AzureWebJobsStorage__accountName;
    # the queue endpoint override (national clouds) and a user-assigned identity are for other deployments.
    optional = {"DATAVERSE_TOKEN", "AzureWebJobsStorage", "AzureWebJobsStorage__queueServiceUri",
                "AzureWebJobsStorage__clientId"}
    assert not read - produced - optional


def test_every_checkov_suppression_says_why() -> None:
    skips = re.findall(r"//\s*checkov:skip=(CKV_[A-Z0-9_]+):(.*)", BICEP.read_text(encoding="utf-8"))
    assert skips, "the reasons live next to the resources"
    for check, reason in skips:
        assert len(reason.strip()) >= 20, f"{check} is skipped without saying why"
