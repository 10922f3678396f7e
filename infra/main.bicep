// SMS Bridge: the Azure Functions app (Linux, Python 3.11) and everything it needs.
// Flex Consumption (FC1) by default, Elastic Premium (EP1) as an option. Storage is reached with the app's
// managed identity only (no account keys anywhere), secrets live in Key Vault and reach the app as Key Vault
// references. This file is the only source: `az deployment group create` compiles it (infra/README.md).

@description('Region of every resource.')
param location string = resourceGroup().location

@description('Short name the resource names start with (letters, digits, hyphens).')
@minLength(3)
@maxLength(16)
param baseName string = 'smsbridge'

@description('FlexConsumption (FC1, scales to zero) or ElasticPremium (EP1, always-warm instances).')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'FlexConsumption'

@description('Flex Consumption: most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Flex Consumption: memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Flex Consumption: concurrent HTTP requests per instance (the HTTP functions only validate and enqueue).')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 16

@description('Elastic Premium: most instances the plan scales out to.')
@minValue(1)
@maxValue(100)
param premiumMaximumElasticWorkerCount int = 20

@description('DATAVERSE_URL: the Dataverse environment, e.g. https://contoso.crm.dynamics.com')
param dataverseUrl string

@description('DATAVERSE_TENANT_ID: tenant of the app registration; leave empty to use the managed identity.')
param dataverseTenantId string = ''

@description('DATAVERSE_CLIENT_ID: the app registration; leave empty to use the managed identity.')
param dataverseClientId string = ''

@description('DATAVERSE_CLIENT_SECRET of the app registration; stored in Key Vault. Empty: certificate or managed identity.')
@secure()
param dataverseClientSecret string = ''

@description('DATAVERSE_CLIENT_CERTIFICATE_PATH: a PEM file the app can read, instead of a client secret.')
param dataverseClientCertificatePath string = ''

@description('DATAVERSE_AUTHORITY_HOST: the Entra ID sign-in host of this cloud, e.g. login.microsoftonline.com.')
param dataverseAuthorityHost string = split(environment().authentication.loginEndpoint, '/')[2]

@description('DATAVERSE_SERVER_AFFINITY: false spreads requests over all of Dataverse\'s web servers (limits are per web server).')
param dataverseServerAffinity bool = true

@description('SMSB_INBOUND_BATCH: inbound texts each worker process files together in one write $batch; 1 files each alone.')
@minValue(1)
@maxValue(64)
param inboundBatch int = 32

@description('SMSB_INBOUND_LINGER_MS: how long a busy process lets a group of texts that is not full wait for more.')
@minValue(0)
param inboundLingerMs int = 100

@description('SMSB_STATUS_BATCH: delivery status callbacks each worker process applies together in one write $batch; 1 applies each alone.')
@minValue(1)
@maxValue(64)
param statusBatch int = 32

@description('SMSB_OUTBOUND_BATCH: Outbox jobs each worker process sends in one round; 1 sends each alone.')
@minValue(1)
param outboundBatch int = 50

@description('SMSB_OUTBOUND_LINGER_MS: how long a busy process lets a round that is not full wait for more jobs.')
@minValue(0)
param outboundLingerMs int = 500

@description('SMSB_TWILIO_MPS: texts a second one long code sends, per process (a decimal number).')
param twilioMps string = '1'

@description('SMSB_MESSAGING_SERVICE_MPS: texts a second one Messaging Service sends, per process (a decimal number).')
param messagingServiceMps string = '1'

@description('SMSB_ENCRYPTION_KEY: base64 of 32 random bytes; stored in Key Vault.')
@secure()
param smsbEncryptionKey string

@description('SMSB_ENCRYPTION_KEY_PREVIOUS: the key being rotated out, only during a rotation; stored in Key Vault.')
@secure()
param smsbEncryptionKeyPrevious string = ''

@description('TWILIO_API_BASE_URL: Twilio\'s REST API.')
param twilioApiBaseUrl string = 'https://api.twilio.com'

@description('Days the Log Analytics workspace keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Tags on every resource.')
param tags object = {}

var suffix = uniqueString(resourceGroup().id, baseName)
var functionAppName = '${baseName}-${suffix}'
var planName = 'plan-${baseName}-${suffix}'
var storageAccountName = take('st${toLower(replace(baseName, '-', ''))}${suffix}', 24)
var keyVaultName = take('kv-${baseName}-${suffix}', 24)
var logAnalyticsName = 'log-${baseName}-${suffix}'
var appInsightsName = 'appi-${baseName}-${suffix}'
var deploymentContainerName = 'app-package'
var packageBlobName = 'smsbridge.zip'
var queueNames = [
  'sms-inbound'
  'sms-inbound-poison'
  'sms-outbound'
  'sms-outbound-poison'
]
var isFlex = hostingPlan == 'FlexConsumption'
var useAppRegistration = !empty(dataverseClientSecret) || !empty(dataverseClientCertificatePath)
var publicUrl = 'https://${functionAppName}.azurewebsites.net'
var keyVaultUri = 'https://${keyVaultName}${environment().suffixes.keyvaultDns}/'
var blobEndpoint = 'https://${storageAccountName}.blob.${environment().suffixes.storage}/'
var encryptionKeySecretName = 'smsb-encryption-key'
var encryptionKeyPreviousSecretName = 'smsb-encryption-key-previous'
var dataverseSecretName = 'dataverse-client-secret'
var roleStorageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var roleStorageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var roleKeyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var roleMonitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

var commonSettings = [
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storageAccountName
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'Authorization=AAD'
  }
  {
    name: 'DATAVERSE_URL'
    value: dataverseUrl
  }
  {
    name: 'DATAVERSE_AUTHORITY_HOST'
    value: dataverseAuthorityHost
  }
  {
    name: 'DATAVERSE_SERVER_AFFINITY'
    value: string(dataverseServerAffinity)
  }
  {
    name: 'SMSB_INBOUND_BATCH'
    value: string(inboundBatch)
  }
  {
    name: 'SMSB_INBOUND_LINGER_MS'
    value: string(inboundLingerMs)
  }
  {
    name: 'SMSB_STATUS_BATCH'
    value: string(statusBatch)
  }
  {
    name: 'SMSB_OUTBOUND_BATCH'
    value: string(outboundBatch)
  }
  {
    name: 'SMSB_OUTBOUND_LINGER_MS'
    value: string(outboundLingerMs)
  }
  {
    name: 'SMSB_TWILIO_MPS'
    value: twilioMps
  }
  {
    name: 'SMSB_MESSAGING_SERVICE_MPS'
    value: messagingServiceMps
  }
  {
    name: 'SMSB_PUBLIC_URL'
    value: publicUrl
  }
  {
    name: 'SMSB_ENCRYPTION_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${encryptionKeySecretName}/)'
  }
  {
    name: 'TWILIO_API_BASE_URL'
    value: twilioApiBaseUrl
  }
]
var appRegistrationSettings = useAppRegistration ? [
  {
    name: 'DATAVERSE_TENANT_ID'
    value: dataverseTenantId
  }
  {
    name: 'DATAVERSE_CLIENT_ID'
    value: dataverseClientId
  }
] : []
var clientSecretSettings = empty(dataverseClientSecret) ? [] : [
  {
    name: 'DATAVERSE_CLIENT_SECRET'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${dataverseSecretName}/)'
  }
]
var certificateSettings = empty(dataverseClientCertificatePath) ? [] : [
  {
    name: 'DATAVERSE_CLIENT_CERTIFICATE_PATH'
    value: dataverseClientCertificatePath
  }
]
var previousKeySettings = empty(smsbEncryptionKeyPrevious) ? [] : [
  {
    name: 'SMSB_ENCRYPTION_KEY_PREVIOUS'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${encryptionKeyPreviousSecretName}/)'
  }
]
var premiumSettings = isFlex ? [] : [
  {
    name: 'FUNCTIONS_EXTENSION_VERSION'
    value: '~4'
  }
  {
    name: 'FUNCTIONS_WORKER_RUNTIME'
    value: 'python'
  }
  {
    name: 'WEBSITE_RUN_FROM_PACKAGE'
    value: '${blobEndpoint}${deploymentContainerName}/${packageBlobName}'
  }
  {
    name: 'WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID'
    value: 'SystemAssigned'
  }
]

var flexAppConfig = {
  deployment: {
    storage: {
      type: 'blobContainer'
      value: '${blobEndpoint}${deploymentContainerName}'
      authentication: {
        type: 'SystemAssignedIdentity'
      }
    }
  }
  scaleAndConcurrency: {
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    triggers: {
      http: {
        perInstanceConcurrency: httpPerInstanceConcurrency
      }
    }
  }
  runtime: {
    name: 'python'
    version: '3.11'
  }
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    IngestionMode: 'LogAnalytics'
    // The Functions host sends with Entra ID (APPLICATIONINSIGHTS_AUTHENTICATION_STRING); the product's own
    // OpenTelemetry exporter still uses the connection string, so local authentication stays on.
    DisableLocalAuth: false
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  sku: {
    name: 'Standard_LRS'
  }
  kind: 'StorageV2'
  properties: {
    // checkov:skip=CKV_AZURE_43: the name is computed, take('st' + base name + uniqueString(...), 24): 3-24 lowercase letters and digits
    // checkov:skip=CKV_AZURE_206: queued texts live minutes and Dataverse is the record; LRS is enough, GRS doubles cost
    // checkov:skip=CKV_AZURE_59: the default deployment has no virtual network, so the endpoint stays public; access is Entra ID only (shared keys are off)
    // checkov:skip=CKV_AZURE_35: without private endpoints (out of scope here) the Functions platform reaches storage over the public endpoint
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for queueName in queueNames: {
  parent: queueService
  name: queueName
}]

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    // checkov:skip=CKV_AZURE_109: Key Vault references are resolved over the public endpoint unless the app has a virtual network, out of scope here
    // checkov:skip=CKV_AZURE_189: the app resolves its Key Vault references over the public endpoint (no virtual network here); access is RBAC only
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource encryptionKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: encryptionKeySecretName
  properties: {
    // checkov:skip=CKV_AZURE_41: the key ends by rotation through SMSB_ENCRYPTION_KEY_PREVIOUS, not a date; an expiry would stop the app
    value: smsbEncryptionKey
    contentType: 'base64 of 32 random bytes (AES-256-GCM key)'
  }
}

resource encryptionKeyPreviousSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(smsbEncryptionKeyPrevious)) {
  parent: keyVault
  name: encryptionKeyPreviousSecretName
  properties: {
    // checkov:skip=CKV_AZURE_114: contentType is set below; checkov does not read properties of conditional Bicep resources
    // checkov:skip=CKV_AZURE_41: removed by hand when the rotation is over; an expiry could cut it off mid-rotation
    value: smsbEncryptionKeyPrevious
    contentType: 'base64 of 32 random bytes (AES-256-GCM key)'
  }
}

resource dataverseClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(dataverseClientSecret)) {
  parent: keyVault
  name: dataverseSecretName
  properties: {
    // checkov:skip=CKV_AZURE_114: contentType is set below; checkov does not read properties of conditional Bicep resources
    // checkov:skip=CKV_AZURE_41: the app registration owns the expiry of its secret; renew there and redeploy
    value: dataverseClientSecret
    contentType: 'Entra ID client secret'
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? {
    name: 'FC1'
    tier: 'FlexConsumption'
  } : {
    name: 'EP1'
    tier: 'ElasticPremium'
  }
  properties: {
    // checkov:skip=CKV_AZURE_225: zone redundancy is a region-dependent option, not in the default deployment
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : premiumMaximumElasticWorkerCount
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    // checkov:skip=CKV_AZURE_17: Twilio and Dataverse cannot present client certificates
    // checkov:skip=CKV_AZURE_222: Twilio and Dataverse call the webhooks over the internet; private endpoints are out of scope
    // checkov:skip=CKV_AZURE_212: instances come from the plan's scale-out (Flex: on demand, EP: elastic workers), not numberOfWorkers
    // checkov:skip=CKV_AZURE_213: /api/health reports Dataverse and storage reachability; recycling instances would not fix either
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    functionAppConfig: isFlex ? flexAppConfig : null
    siteConfig: {
      linuxFxVersion: isFlex ? null : 'Python|3.11'
      functionsRuntimeScaleMonitoringEnabled: isFlex ? null : true
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      remoteDebuggingEnabled: false
      http20Enabled: true
      appSettings: concat([
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
      ], commonSettings, appRegistrationSettings, clientSecretSettings, certificateSettings, previousKeySettings, premiumSettings)
    }
  }
  dependsOn: [
    deploymentContainer
    encryptionKeySecret
    encryptionKeyPreviousSecret
    dataverseClientSecretSecret
  ]
}

resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, roleStorageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleStorageBlobDataOwner)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, roleStorageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleStorageQueueDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, functionApp.id, roleKeyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleKeyVaultSecretsUser)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, functionApp.id, roleMonitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleMonitoringMetricsPublisher)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

@description('Name of the function app.')
output functionAppName string = functionApp.name

@description('Base URL of the function app (SMSB_PUBLIC_URL).')
output functionAppUrl string = 'https://${functionApp.properties.defaultHostName}'

@description('Object id of the app\'s managed identity (for the Dataverse application user when no app registration is used).')
output principalId string = functionApp.identity.principalId

@description('Run next: registers the Dataverse webhooks; the function key goes through a pipe, never onto a command line.')
output registerWebhooksCommand string = 'az functionapp keys list --resource-group ${resourceGroup().name} --name ${functionApp.name} --query functionKeys.default --output tsv | smsbridge register-webhooks --dataverse-url ${dataverseUrl} --function-url https://${functionApp.properties.defaultHostName} --function-key -'
