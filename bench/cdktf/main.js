'use strict';
// CDK for Terraform (plain JavaScript, no compile step) equivalent of the
// stack tapgen generates, used to benchmark synth time against tapgen.
// Per-resource imports only: requiring the whole @cdktf/provider-aws index
// loads every resource class and is several times slower.
const path = require('path');
const { App, TerraformStack, TerraformAsset, AssetType, Fn } = require('cdktf');
const { AwsProvider } = require('@cdktf/provider-aws/lib/provider');
const { S3Bucket } = require('@cdktf/provider-aws/lib/s3-bucket');
const { S3BucketPublicAccessBlock } = require('@cdktf/provider-aws/lib/s3-bucket-public-access-block');
const { S3BucketOwnershipControls } = require('@cdktf/provider-aws/lib/s3-bucket-ownership-controls');
const { S3BucketServerSideEncryptionConfigurationA } = require('@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration');
const { S3BucketVersioningA } = require('@cdktf/provider-aws/lib/s3-bucket-versioning');
const { S3BucketLifecycleConfiguration } = require('@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration');
const { S3BucketPolicy } = require('@cdktf/provider-aws/lib/s3-bucket-policy');
const { IamRole } = require('@cdktf/provider-aws/lib/iam-role');
const { IamRolePolicy } = require('@cdktf/provider-aws/lib/iam-role-policy');
const { CloudwatchLogGroup } = require('@cdktf/provider-aws/lib/cloudwatch-log-group');
const { LambdaFunction } = require('@cdktf/provider-aws/lib/lambda-function');
const { LambdaPermission } = require('@cdktf/provider-aws/lib/lambda-permission');
const { ApiGatewayRestApi } = require('@cdktf/provider-aws/lib/api-gateway-rest-api');
const { ApiGatewayResource } = require('@cdktf/provider-aws/lib/api-gateway-resource');
const { ApiGatewayMethod } = require('@cdktf/provider-aws/lib/api-gateway-method');
const { ApiGatewayIntegration } = require('@cdktf/provider-aws/lib/api-gateway-integration');
const { ApiGatewayDeployment } = require('@cdktf/provider-aws/lib/api-gateway-deployment');
const { ApiGatewayStage } = require('@cdktf/provider-aws/lib/api-gateway-stage');
const { ApiGatewayMethodSettings } = require('@cdktf/provider-aws/lib/api-gateway-method-settings');
const { CloudwatchMetricAlarm } = require('@cdktf/provider-aws/lib/cloudwatch-metric-alarm');

const PROJECT = 'tap';
const REGION = 'us-east-1';
const ASSET_MODE = process.env.TAPGEN_BENCH_ASSET || 'archive';
if (ASSET_MODE !== 'archive' && ASSET_MODE !== 'none') {
  throw new Error(`TAPGEN_BENCH_ASSET must be "archive" or "none", got ${ASSET_MODE}`);
}

class TapStack extends TerraformStack {
  constructor(scope, id, envName) {
    super(scope, id);
    const name = `${PROJECT}-api-${envName}`;
    const tags = { Project: PROJECT, Environment: envName, ManagedBy: 'terraform' };

    new AwsProvider(this, 'aws', { region: REGION, defaultTags: [{ tags }] });

    // ---- S3 log bucket -------------------------------------------------
    const bucket = new S3Bucket(this, 'logs', { bucket: `${PROJECT}-logs-${envName}`, tags });
    new S3BucketPublicAccessBlock(this, 'logs_pab', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'logs_ownership', {
      bucket: bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'logs_sse', {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    new S3BucketVersioningA(this, 'logs_versioning', {
      bucket: bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketLifecycleConfiguration(this, 'logs_lifecycle', {
      bucket: bucket.id,
      rule: [{
        id: 'expire-logs',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        expiration: [{ days: 90 }],
        noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      }],
    });
    new S3BucketPolicy(this, 'logs_policy', {
      bucket: bucket.id,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [bucket.arn, `${bucket.arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }],
      }),
    });

    // ---- Logs ------------------------------------------------------------
    const fnLogs = new CloudwatchLogGroup(this, 'lambda_logs', {
      name: `/aws/lambda/${name}`,
      retentionInDays: 30,
      tags,
    });
    const apiLogs = new CloudwatchLogGroup(this, 'api_access_logs', {
      name: `/aws/apigateway/${name}`,
      retentionInDays: 30,
      tags,
    });

    // ---- IAM -------------------------------------------------------------
    const role = new IamRole(this, 'lambda_role', {
      name: `${name}-lambda`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }],
      }),
      tags,
    });
    new IamRolePolicy(this, 'lambda_policy', {
      name: `${name}-lambda`,
      role: role.id,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `${fnLogs.arn}:*`,
          },
          { Effect: 'Allow', Action: ['s3:PutObject'], Resource: `${bucket.arn}/*` },
          {
            Effect: 'Allow',
            Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
            Resource: '*',
          },
        ],
      }),
    });

    // ---- Lambda ----------------------------------------------------------
    // TAPGEN_BENCH_ASSET=archive (default): a TerraformAsset zips lambda/
    // into the stack's assets/ dir. cdktf does this by spawning a child
    // `node` process per archive asset (cdktf/lib/private/fs.js archiveSync),
    // which dominates synth time for many stacks.
    // TAPGEN_BENCH_ASSET=none: plain filename string + filebase64sha256().
    let code;
    if (ASSET_MODE === 'archive') {
      const asset = new TerraformAsset(this, 'lambda_code', {
        path: path.resolve(__dirname, 'lambda'),
        type: AssetType.ARCHIVE,
      });
      code = { filename: asset.path, sourceCodeHash: asset.assetHash };
    } else {
      code = { filename: 'lambda.zip', sourceCodeHash: Fn.filebase64sha256('lambda.zip') };
    }
    const fn = new LambdaFunction(this, 'api_handler', {
      functionName: name,
      role: role.arn,
      runtime: 'python3.12',
      handler: 'handler.handler',
      memorySize: 256,
      timeout: 10,
      filename: code.filename,
      sourceCodeHash: code.sourceCodeHash,
      tracingConfig: { mode: 'Active' },
      environment: { variables: { LOG_BUCKET_NAME: bucket.bucket, ENVIRONMENT: envName } },
      loggingConfig: { logFormat: 'JSON', logGroup: fnLogs.name },
      tags,
      dependsOn: [fnLogs],
    });

    // ---- API Gateway -----------------------------------------------------
    const api = new ApiGatewayRestApi(this, 'api', {
      name,
      endpointConfiguration: { types: ['REGIONAL'] },
      tags,
    });
    const proxy = new ApiGatewayResource(this, 'proxy', {
      restApiId: api.id,
      parentId: api.rootResourceId,
      pathPart: '{proxy+}',
    });
    const proxyMethod = new ApiGatewayMethod(this, 'proxy_any', {
      restApiId: api.id,
      resourceId: proxy.id,
      httpMethod: 'ANY',
      authorization: 'NONE',
    });
    const rootMethod = new ApiGatewayMethod(this, 'root_any', {
      restApiId: api.id,
      resourceId: api.rootResourceId,
      httpMethod: 'ANY',
      authorization: 'NONE',
    });
    const proxyIntegration = new ApiGatewayIntegration(this, 'proxy_lambda', {
      restApiId: api.id,
      resourceId: proxy.id,
      httpMethod: proxyMethod.httpMethod,
      integrationHttpMethod: 'POST',
      type: 'AWS_PROXY',
      uri: fn.invokeArn,
    });
    const rootIntegration = new ApiGatewayIntegration(this, 'root_lambda', {
      restApiId: api.id,
      resourceId: api.rootResourceId,
      httpMethod: rootMethod.httpMethod,
      integrationHttpMethod: 'POST',
      type: 'AWS_PROXY',
      uri: fn.invokeArn,
    });
    new LambdaPermission(this, 'apigw_invoke', {
      statementId: 'AllowAPIGatewayInvoke',
      action: 'lambda:InvokeFunction',
      functionName: fn.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${api.executionArn}/*/*`,
    });
    const deployment = new ApiGatewayDeployment(this, 'deployment', {
      restApiId: api.id,
      triggers: {
        redeployment: Fn.sha1(Fn.jsonencode([
          proxy.id, proxyMethod.id, rootMethod.id, proxyIntegration.id, rootIntegration.id,
        ])),
      },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [proxyIntegration, rootIntegration],
    });
    const stage = new ApiGatewayStage(this, 'stage', {
      restApiId: api.id,
      deploymentId: deployment.id,
      stageName: envName,
      xrayTracingEnabled: true,
      accessLogSettings: {
        destinationArn: apiLogs.arn,
        format: Fn.jsonencode({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          requestTime: '$context.requestTime',
          httpMethod: '$context.httpMethod',
          resourcePath: '$context.resourcePath',
          status: '$context.status',
          protocol: '$context.protocol',
          responseLength: '$context.responseLength',
          integrationLatency: '$context.integrationLatency',
        }),
      },
      tags,
    });
    new ApiGatewayMethodSettings(this, 'all_methods', {
      restApiId: api.id,
      stageName: stage.stageName,
      methodPath: '*/*',
      settings: {
        metricsEnabled: true,
        loggingLevel: 'INFO',
        throttlingBurstLimit: 100,
        throttlingRateLimit: 50,
      },
    });

    // ---- Alarms ----------------------------------------------------------
    const fnDims = { FunctionName: fn.functionName };
    const apiDims = { ApiName: api.name, Stage: stage.stageName };
    const alarms = [
      ['lambda_errors', 'AWS/Lambda', 'Errors', fnDims, { statistic: 'Sum' }, 1],
      ['lambda_throttles', 'AWS/Lambda', 'Throttles', fnDims, { statistic: 'Sum' }, 1],
      ['lambda_duration_p99', 'AWS/Lambda', 'Duration', fnDims, { extendedStatistic: 'p99' }, 8000],
      ['api_4xx', 'AWS/ApiGateway', '4XXError', apiDims, { statistic: 'Sum' }, 50],
      ['api_5xx', 'AWS/ApiGateway', '5XXError', apiDims, { statistic: 'Sum' }, 1],
      ['api_latency_p99', 'AWS/ApiGateway', 'Latency', apiDims, { extendedStatistic: 'p99' }, 5000],
    ];
    for (const [id, namespace, metricName, dimensions, stat, threshold] of alarms) {
      new CloudwatchMetricAlarm(this, id, {
        alarmName: `${name}-${id.replace(/_/g, '-')}`,
        namespace,
        metricName,
        dimensions,
        ...stat,
        period: 300,
        evaluationPeriods: 1,
        threshold,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        tags,
      });
    }
  }
}

const n = Number.parseInt(process.env.TAPGEN_BENCH_ENVS || '1', 10);
if (!Number.isInteger(n) || n < 1) {
  throw new Error(`TAPGEN_BENCH_ENVS must be a positive integer, got ${process.env.TAPGEN_BENCH_ENVS}`);
}
const app = new App();
for (let i = 0; i < n; i++) {
  new TapStack(app, `env${i}`, i === 0 ? 'dev' : `env${i}`);
}
app.synth();
