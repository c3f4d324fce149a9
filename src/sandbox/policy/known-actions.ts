/**
 * The IAM actions the sandbox's policy validator (Access Analyzer's ValidatePolicy) knows, per service
 * prefix, as AWS's Service Authorization Reference names them. A prefix listed here is a known service; an
 * action of a service whose list is `complete` must be in it (or a wildcard must match one of it), else it
 * is an unknown action. Lists that are not complete only name the common actions: an action missing from
 * them is not reported (docs/sandbox.md).
 */

const list = (s: string) => s.trim().split(/\s+/);

export interface ServiceActions {
  complete: boolean;
  actions: string[];
}

const complete = (s: string): ServiceActions => ({ complete: true, actions: list(s) });
const partial = (s: string): ServiceActions => ({ complete: false, actions: list(s) });

export const KNOWN_ACTIONS: Record<string, ServiceActions> = {
  iam: complete(`
    AddClientIDToOpenIDConnectProvider AddRoleToInstanceProfile AddUserToGroup AttachGroupPolicy AttachRolePolicy
    AttachUserPolicy ChangePassword CreateAccessKey CreateAccountAlias CreateGroup CreateInstanceProfile
    CreateLoginProfile CreateOpenIDConnectProvider CreatePolicy CreatePolicyVersion CreateRole CreateSAMLProvider
    CreateServiceLinkedRole CreateServiceSpecificCredential CreateUser CreateVirtualMFADevice DeactivateMFADevice
    DeleteAccessKey DeleteAccountAlias DeleteAccountPasswordPolicy DeleteCloudFrontPublicKey DeleteGroup
    DeleteGroupPolicy DeleteInstanceProfile DeleteLoginProfile DeleteOpenIDConnectProvider DeletePolicy
    DeletePolicyVersion DeleteRole DeleteRolePermissionsBoundary DeleteRolePolicy DeleteSAMLProvider
    DeleteSSHPublicKey DeleteServerCertificate DeleteServiceLinkedRole DeleteServiceSpecificCredential
    DeleteSigningCertificate DeleteUser DeleteUserPermissionsBoundary DeleteUserPolicy DeleteVirtualMFADevice
    DetachGroupPolicy DetachRolePolicy DetachUserPolicy DisableOrganizationsRootCredentialsManagement
    DisableOrganizationsRootSessions EnableMFADevice EnableOrganizationsRootCredentialsManagement
    EnableOrganizationsRootSessions GenerateCredentialReport GenerateOrganizationsAccessReport
    GenerateServiceLastAccessedDetails GetAccessKeyLastUsed GetAccountAuthorizationDetails GetAccountEmailAddress
    GetAccountName GetAccountPasswordPolicy GetAccountSummary GetCloudFrontPublicKey GetContextKeysForCustomPolicy
    GetContextKeysForPrincipalPolicy GetCredentialReport GetGroup GetGroupPolicy GetInstanceProfile GetLoginProfile
    GetMFADevice GetOpenIDConnectProvider GetOrganizationsAccessReport GetPolicy GetPolicyVersion GetRole
    GetRolePolicy GetSAMLProvider GetSSHPublicKey GetServerCertificate GetServiceLastAccessedDetails
    GetServiceLastAccessedDetailsWithEntities GetServiceLinkedRoleDeletionStatus GetUser GetUserPolicy
    ListAccessKeys ListAccountAliases ListAttachedGroupPolicies ListAttachedRolePolicies ListAttachedUserPolicies
    ListCloudFrontPublicKeys ListEntitiesForPolicy ListGroupPolicies ListGroups ListGroupsForUser
    ListInstanceProfileTags ListInstanceProfiles ListInstanceProfilesForRole ListMFADeviceTags ListMFADevices
    ListOpenIDConnectProviderTags ListOpenIDConnectProviders ListOrganizationsFeatures ListPolicies
    ListPoliciesGrantingServiceAccess ListPolicyTags ListPolicyVersions ListRolePolicies ListRoleTags ListRoles
    ListSAMLProviderTags ListSAMLProviders ListSSHPublicKeys ListSTSRegionalEndpointsStatus
    ListServerCertificateTags ListServerCertificates ListServiceSpecificCredentials ListSigningCertificates
    ListUserPolicies ListUserTags ListUsers ListVirtualMFADevices PassRole PutGroupPolicy
    PutRolePermissionsBoundary PutRolePolicy PutUserPermissionsBoundary PutUserPolicy
    RemoveClientIDFromOpenIDConnectProvider RemoveRoleFromInstanceProfile RemoveUserFromGroup
    ResetServiceSpecificCredential ResyncMFADevice SetDefaultPolicyVersion SetSTSRegionalEndpointStatus
    SetSecurityTokenServicePreferences SimulateCustomPolicy SimulatePrincipalPolicy TagInstanceProfile
    TagMFADevice TagOpenIDConnectProvider TagPolicy TagRole TagSAMLProvider TagServerCertificate TagUser
    UntagInstanceProfile UntagMFADevice UntagOpenIDConnectProvider UntagPolicy UntagRole UntagSAMLProvider
    UntagServerCertificate UntagUser UpdateAccessKey UpdateAccountEmailAddress UpdateAccountName
    UpdateAccountPasswordPolicy UpdateAssumeRolePolicy UpdateCloudFrontPublicKey UpdateGroup UpdateLoginProfile
    UpdateOpenIDConnectProviderThumbprint UpdateRole UpdateRoleDescription UpdateSAMLProvider UpdateSSHPublicKey
    UpdateServerCertificate UpdateServiceSpecificCredential UpdateSigningCertificate UpdateUser UploadCloudFrontPublicKey
    UploadSSHPublicKey UploadServerCertificate UploadSigningCertificate`),
  sts: complete(`
    AssumeRole AssumeRoleWithSAML AssumeRoleWithWebIdentity AssumeRoot DecodeAuthorizationMessage GetAccessKeyInfo
    GetCallerIdentity GetDelegatedAccessToken GetFederationToken GetServiceBearerToken GetSessionToken
    GetWebIdentityToken SetContext SetSourceIdentity TagSession`),
  organizations: complete(`
    AcceptHandshake AttachPolicy CancelHandshake CloseAccount CreateAccount CreateGovCloudAccount
    CreateOrganization CreateOrganizationalUnit CreatePolicy DeclineHandshake DeleteOrganization
    DeleteOrganizationalUnit DeletePolicy DeleteResourcePolicy DeregisterDelegatedAdministrator DescribeAccount
    DescribeCreateAccountStatus DescribeEffectivePolicy DescribeHandshake DescribeOrganization
    DescribeOrganizationalUnit DescribePolicy DescribeResourcePolicy DetachPolicy DisableAWSServiceAccess
    DisablePolicyType EnableAWSServiceAccess EnableAllFeatures EnablePolicyType InviteAccountToOrganization
    LeaveOrganization ListAWSServiceAccessForOrganization ListAccounts ListAccountsForParent
    ListAccountsWithInvalidEffectivePolicy ListChildren ListCreateAccountStatus ListDelegatedAdministrators
    ListDelegatedServicesForAccount ListEffectivePolicyValidationErrors ListHandshakesForAccount
    ListHandshakesForOrganization ListOrganizationalUnitsForParent ListParents ListPolicies ListPoliciesForTarget
    ListRoots ListTagsForResource ListTargetsForPolicy MoveAccount PutResourcePolicy RegisterDelegatedAdministrator
    RemoveAccountFromOrganization TagResource UntagResource UpdateOrganizationalUnit UpdatePolicy`),
  account: complete(`
    AcceptPrimaryEmailUpdate CloseAccount DeleteAlternateContact DisableRegion EnableRegion GetAccountInformation
    GetAlternateContact GetChallengeQuestions GetContactInformation GetGovCloudAccountInformation GetPrimaryEmail
    GetRegionOptStatus ListRegions PutAccountName PutAlternateContact PutChallengeQuestions PutContactInformation
    StartPrimaryEmailUpdate`),
  budgets: complete(`
    CreateBudgetAction DeleteBudgetAction DescribeBudgetAction DescribeBudgetActionHistories
    DescribeBudgetActionsForAccount DescribeBudgetActionsForBudget ExecuteBudgetAction ListTagsForResource
    ModifyBudget TagResource UntagResource UpdateBudgetAction ViewBudget`),
  cloudtrail: complete(`
    AddTags CancelQuery CreateChannel CreateDashboard CreateEventDataStore CreateServiceLinkedChannel CreateTrail
    DeleteChannel DeleteDashboard DeleteEventDataStore DeleteResourcePolicy DeleteServiceLinkedChannel DeleteTrail
    DeregisterOrganizationDelegatedAdmin DescribeQuery DescribeTrails DisableFederation EnableFederation
    GenerateQuery GetChannel GetDashboard GetEventConfiguration GetEventDataStore GetEventDataStoreData
    GetEventSelectors GetImport GetInsightSelectors GetQueryResults GetResourcePolicy GetServiceLinkedChannel
    GetTrail GetTrailStatus ListChannels ListDashboards ListEventDataStores ListImportFailures ListImports
    ListInsightsMetricData ListPublicKeys ListQueries ListServiceLinkedChannels ListTags ListTrails LookupEvents
    PutEventConfiguration PutEventSelectors PutInsightSelectors PutResourcePolicy RegisterOrganizationDelegatedAdmin
    RemoveTags RestoreEventDataStore SearchSampleQueries StartDashboardRefresh StartEventDataStoreIngestion
    StartImport StartLogging StartQuery StopEventDataStoreIngestion StopImport StopLogging UpdateChannel
    UpdateDashboard UpdateEventDataStore UpdateServiceLinkedChannel UpdateTrail`),
  'access-analyzer': complete(`
    ApplyArchiveRule CancelPolicyGeneration CheckAccessNotGranted CheckNoNewAccess CheckNoPublicAccess
    CreateAccessPreview CreateAnalyzer CreateArchiveRule DeleteAnalyzer DeleteArchiveRule GenerateFindingRecommendation
    GetAccessPreview GetAnalyzedResource GetAnalyzer GetArchiveRule GetFinding GetFindingRecommendation
    GetFindingV2 GetFindingsStatistics GetGeneratedPolicy ListAccessPreviewFindings ListAccessPreviews
    ListAnalyzedResources ListAnalyzers ListArchiveRules ListFindings ListFindingsV2 ListPolicyGenerations
    ListTagsForResource StartPolicyGeneration StartResourceScan TagResource UntagResource UpdateAnalyzer
    UpdateArchiveRule UpdateFindings ValidatePolicy`),
  'bcm-data-exports': complete(`
    CreateExport DeleteExport GetExecution GetExport GetTable ListExecutions ListExports ListTables
    ListTagsForResource TagResource UntagResource UpdateExport`),
  secretsmanager: complete(`
    BatchGetSecretValue CancelRotateSecret CreateSecret DeleteResourcePolicy DeleteSecret DescribeSecret
    GetRandomPassword GetResourcePolicy GetSecretValue ListSecretVersionIds ListSecrets PutResourcePolicy
    PutSecretValue RemoveRegionsFromReplication ReplicateSecretToRegions RestoreSecret RotateSecret
    StopReplicationToReplica TagResource UntagResource UpdateSecret UpdateSecretVersionStage ValidateResourcePolicy`),
  s3: partial(`
    AbortMultipartUpload BypassGovernanceRetention CreateAccessPoint CreateBucket CreateJob
    CreateMultiRegionAccessPoint DeleteAccessPoint DeleteBucket DeleteBucketPolicy DeleteBucketWebsite
    DeleteMultiRegionAccessPoint DeleteObject DeleteObjectTagging DeleteObjectVersion
    DescribeMultiRegionAccessPointOperation GetAccelerateConfiguration GetAccountPublicAccessBlock GetBucketAcl
    GetBucketCORS GetBucketLocation GetBucketLogging GetBucketNotification GetBucketObjectLockConfiguration
    GetBucketOwnershipControls GetBucketPolicy GetBucketPolicyStatus GetBucketPublicAccessBlock GetBucketTagging
    GetBucketVersioning GetBucketWebsite GetEncryptionConfiguration GetLifecycleConfiguration
    GetMultiRegionAccessPoint GetMultiRegionAccessPointPolicy GetMultiRegionAccessPointPolicyStatus GetObject
    GetObjectAcl GetObjectAttributes GetObjectRetention GetObjectTagging GetObjectVersion GetReplicationConfiguration
    GetStorageLensConfiguration GetStorageLensDashboard ListAllMyBuckets ListBucket ListBucketVersions
    ListMultiRegionAccessPoints ListMultipartUploadParts ListStorageLensConfigurations PutAccountPublicAccessBlock
    PutBucketAcl PutBucketCORS PutBucketLogging PutBucketNotification PutBucketObjectLockConfiguration
    PutBucketOwnershipControls PutBucketPolicy PutBucketPublicAccessBlock PutBucketTagging PutBucketVersioning
    PutBucketWebsite PutEncryptionConfiguration PutLifecycleConfiguration PutMultiRegionAccessPointPolicy PutObject
    PutObjectAcl PutObjectLegalHold PutObjectRetention PutObjectTagging PutReplicationConfiguration ReplicateObject
    RestoreObject`),
  guardduty: partial(`
    AcceptAdministratorInvitation ArchiveFindings CreateDetector CreateFilter CreateIPSet CreateMembers
    CreatePublishingDestination CreateThreatIntelSet DeleteDetector DeleteFilter DeleteIPSet DeleteMembers
    DeletePublishingDestination DeleteThreatIntelSet DescribeOrganizationConfiguration DescribePublishingDestination
    DisableOrganizationAdminAccount DisassociateFromAdministratorAccount DisassociateFromMasterAccount
    DisassociateMembers EnableOrganizationAdminAccount GetDetector GetFindings GetMasterAccount GetMemberDetectors
    InviteMembers ListDetectors ListFindings ListMembers ListOrganizationAdminAccounts StartMonitoringMembers
    StopMonitoringMembers TagResource UntagResource UpdateDetector UpdateFilter UpdateIPSet UpdateMemberDetectors
    UpdateOrganizationConfiguration UpdatePublishingDestination UpdateThreatIntelSet`),
  securityhub: partial(`
    AcceptAdministratorInvitation BatchDisableStandards BatchEnableStandards BatchImportFindings
    BatchUpdateFindings CreateActionTarget CreateAutomationRule CreateConfigurationPolicy CreateFindingAggregator
    CreateInsight CreateMembers DeleteActionTarget DeleteConfigurationPolicy DeleteFindingAggregator DeleteInsight
    DeleteMembers DescribeHub DescribeOrganizationConfiguration DescribeStandards DescribeStandardsControls
    DisableImportFindingsForProduct DisableOrganizationAdminAccount DisableSecurityHub
    DisassociateFromAdministratorAccount DisassociateFromMasterAccount DisassociateMembers
    EnableImportFindingsForProduct EnableOrganizationAdminAccount EnableSecurityHub GetEnabledStandards GetFindings
    GetInsights ListMembers ListOrganizationAdminAccounts TagResource UntagResource UpdateConfigurationPolicy
    UpdateFindingAggregator UpdateFindings UpdateInsight UpdateOrganizationConfiguration UpdateSecurityHubConfiguration
    UpdateStandardsControl`),
  config: partial(`
    DeleteAggregationAuthorization DeleteConfigRule DeleteConfigurationAggregator DeleteConfigurationRecorder
    DeleteConformancePack DeleteDeliveryChannel DeleteEvaluationResults DeleteOrganizationConfigRule
    DeleteOrganizationConformancePack DeleteRemediationConfiguration DeleteRetentionConfiguration
    DescribeConfigRules DescribeConfigurationRecorderStatus DescribeConfigurationRecorders DescribeDeliveryChannels
    GetComplianceDetailsByConfigRule PutAggregationAuthorization PutConfigRule PutConfigurationAggregator
    PutConfigurationRecorder PutConformancePack PutDeliveryChannel PutOrganizationConfigRule
    PutOrganizationConformancePack PutRemediationConfigurations PutRetentionConfiguration StartConfigRulesEvaluation
    StartConfigurationRecorder StopConfigurationRecorder TagResource UntagResource`),
  ec2: partial(`
    AllocateAddress AssociateAddress AttachInternetGateway AuthorizeSecurityGroupEgress AuthorizeSecurityGroupIngress
    CreateInternetGateway CreateNatGateway CreateRoute CreateRouteTable CreateSecurityGroup CreateSubnet CreateTags
    CreateVpc DeleteInternetGateway DeleteNatGateway DeleteSecurityGroup DeleteSubnet DeleteTags DeleteVpc
    DescribeAvailabilityZones DescribeImages DescribeInstances DescribeRegions DescribeSecurityGroups DescribeSubnets
    DescribeTransitGateways DescribeVpcs DescribeVpnGateways DisableEbsEncryptionByDefault EnableEbsEncryptionByDefault
    GetEbsEncryptionByDefault ModifyInstanceMetadataOptions RebootInstances RunInstances StartInstances StopInstances
    TerminateInstances`),
};

/**
 * Every service prefix the validator accepts: those above, and the rest of AWS's that policies (AWS's own
 * examples among them, like the allowed-Regions SCP's NotAction list) commonly name.
 */
export const SERVICE_PREFIXES: ReadonlySet<string> = new Set([
  ...Object.keys(KNOWN_ACTIONS),
  ...list(`
    a4b acm acm-pca activate airflow amplify apigateway application-autoscaling appstream appsync artifact athena
    autoscaling aws-marketplace aws-marketplace-management aws-portal backup batch bedrock billing billingconductor
    cassandra ce chatbot chime cloud9 cloudformation cloudfront cloudhsm cloudshell cloudwatch codeartifact
    codebuild codecommit codedeploy codepipeline codestar-connections cognito-identity cognito-idp compute-optimizer
    consoleapp consolidatedbilling controltower cur databrew datapipeline datasync detective devicefarm
    directconnect discovery-marketplace dms ds dynamodb ebs ecr ecr-public ecs eks elasticache elasticbeanstalk
    elasticfilesystem elasticloadbalancing elasticmapreduce es events execute-api firehose fms freetier
    glacier globalaccelerator glue health identitystore importexport inspector inspector2 invoicing iq kafka
    kinesis kinesisanalytics kms lakeformation lambda license-manager lightsail logs macie2 mobileanalytics
    networkmanager notifications notifications-contacts payments pricing quicksight ram rds redshift
    resource-explorer-2 resource-groups route53 route53-recovery-cluster route53-recovery-control-config
    route53-recovery-readiness route53domains route53resolver s3-object-lambda sagemaker savingsplans
    servicecatalog servicequotas ses shield signin sns sqs ssm ssm-incidents sso sso-directory
    states storagegateway support supportapp supportplans sustainability tag tax trustedadvisor
    vendor-insights waf waf-regional wafv2 wellarchitected workspaces xray`),
]);

/** The global condition keys (aws:...) the validator knows, lower-cased; tag keys are prefixes. */
export const GLOBAL_CONDITION_KEYS: ReadonlySet<string> = new Set(
  list(`
    aws:CalledVia aws:CalledViaFirst aws:CalledViaLast aws:CurrentTime aws:EpochTime aws:FederatedProvider
    aws:MultiFactorAuthAge aws:MultiFactorAuthPresent aws:PrincipalAccount aws:PrincipalArn aws:PrincipalIsAWSService
    aws:PrincipalOrgID aws:PrincipalOrgPaths aws:PrincipalServiceName aws:PrincipalServiceNamesList
    aws:PrincipalType aws:RequestedRegion aws:ResourceAccount aws:ResourceOrgID aws:ResourceOrgPaths
    aws:SecureTransport aws:SourceAccount aws:SourceArn aws:SourceIdentity aws:SourceIp aws:SourceOrgID
    aws:SourceOrgPaths aws:SourceVpc aws:SourceVpce aws:TagKeys aws:TokenIssueTime aws:UserAgent aws:userid
    aws:username aws:ViaAWSService aws:VpcSourceIp aws:Ec2InstanceSourceVpc aws:Ec2InstanceSourcePrivateIPv4
    aws:AssumedRoot aws:Referer aws:SourceVpcArn aws:VpceAccount
    aws:VpceOrgID aws:VpceOrgPaths`).map((k) => k.toLowerCase()),
);

/** Tag-keyed global condition keys: aws:PrincipalTag/<key>, aws:ResourceTag/<key>, aws:RequestTag/<key>. */
export const GLOBAL_TAG_KEY_PREFIXES = ['aws:principaltag/', 'aws:resourcetag/', 'aws:requesttag/'];
