<#
.SYNOPSIS
Gather the evidence kvaudit reads, on a connected machine.

.DESCRIPTION
Uses the Azure CLI (az login) when it is installed, else the Az PowerShell
modules (Connect-AzAccount; Az.Accounts, Az.Security, Az.KeyVault, and
Az.ResourceGraph when present). Writes one folder of UTF-8 JSON files
(without byte-order mark, whatever the PowerShell version) with a manifest
saying who collected it, when, and with which tools:

  subscriptions.json            az account list --all / Get-AzSubscription
  pricings\<id>.json            az security pricing list / Get-AzSecurityPricing
  keyvaults-NNN.json            Resource Graph microsoft.keyvault/vaults rows,
                                paged with skip_token
  subscription-tags-NNN.json    Resource Graph resourcecontainers rows (tags,
                                management group chain)
  keyvaults\<id>.json, tags\<id>.json   per subscription with -NoGraph
  manifest.txt, SHA256SUMS

A command that fails (no access to one subscription, say) leaves no file
behind, is listed in manifest.txt, and makes the exit code 1; the rest is
still collected. The last line printed is the kvaudit command to run on the
review machine.

Every pricing of the tenant in one Resource Graph query, repeated with
-SkipToken while the answer has one:

  az graph query --first 1000 -q "securityresources | where type == 'microsoft.security/pricings' | project id, name, type, subscriptionId, properties"
  Search-AzGraph -First 1000 -Query "securityresources | where type == 'microsoft.security/pricings' | project id, name, type, subscriptionId, properties"

.PARAMETER OutDir
Output folder (default: kvaudit-evidence-<UTC time>). Must be empty or new.

.PARAMETER Subscription
Only these subscriptions' pricings and key vaults (the subscription list
stays complete).

.PARAMETER NoGraph
Do not use Resource Graph: key vaults and tags per subscription.

.PARAMETER UseAzModule
Use the Az PowerShell modules even when az is installed.

.EXAMPLE
./collect.ps1 -OutDir evidence
#>
[CmdletBinding()]
param(
    [string]$OutDir = ('kvaudit-evidence-' +
        [DateTime]::UtcNow.ToString('yyyyMMddTHHmmssZ',
            [Globalization.CultureInfo]::InvariantCulture)),
    [string[]]$Subscription = @(),
    [switch]$NoGraph,
    [switch]$UseAzModule
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$Utf8 = New-Object System.Text.UTF8Encoding $false
$GuidPattern = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
$VaultQuery = "resources | where type =~ 'microsoft.keyvault/vaults' | project id, name, type, location, resourceGroup, subscriptionId, tenantId, tags"
$SubQuery = "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project id, name, type, subscriptionId, tenantId, tags, properties"
$script:Failures = New-Object System.Collections.Generic.List[string]

foreach ($id in $Subscription) {
    if ($id -notmatch $GuidPattern) { throw "not a subscription id: $id" }
}

$Started = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ',
    [Globalization.CultureInfo]::InvariantCulture)
# .NET file calls resolve relative paths against the process directory,
# not the PowerShell location: use full paths.
$Out = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutDir)
if ((Test-Path -LiteralPath $Out) -and
    @(Get-ChildItem -LiteralPath $Out -Force).Count -gt 0) {
    throw "$Out exists and is not empty"
}
New-Item -ItemType Directory -Force -Path (Join-Path $Out 'pricings') | Out-Null
$Log = Join-Path $Out 'collect.log'
[System.IO.File]::WriteAllText($Log, '', $Utf8)

function Write-Utf8([string]$Path, [string]$Text) {
    [System.IO.File]::WriteAllText($Path, $Text, $Utf8)
}

function Add-Failure([string]$What, [string]$Why) {
    $script:Failures.Add($What)
    [System.IO.File]::AppendAllText($Log, "$What`n$Why`n", $Utf8)
    Write-Warning "failed: $What (see $Log)"
}

$UseAz = (-not $UseAzModule) -and [bool](Get-Command az -ErrorAction SilentlyContinue)
if ($UseAz) {
    # az writes UTF-8 when asked; PowerShell must decode it as UTF-8 too.
    $env:PYTHONIOENCODING = 'utf-8'
    $env:AZURE_CORE_NO_COLOR = 'true'
    $env:AZURE_CORE_ONLY_SHOW_ERRORS = 'true'
    [Console]::OutputEncoding = $Utf8
}

# Run az; returns its stdout as one string, or $null when it failed.
function Invoke-Az([string[]]$Arguments) {
    $ErrorActionPreference = 'Continue'
    $lines = & az @Arguments 2>&1
    $code = $LASTEXITCODE
    $errors = @($lines | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } |
        ForEach-Object { $_.ToString() })
    $text = @($lines | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }) -join "`n"
    if ($code -ne 0) {
        Add-Failure ('az ' + ($Arguments -join ' ')) ($errors -join "`n")
        return $null
    }
    return $text
}

function Save-Az([string]$File, [string[]]$Arguments) {
    $text = Invoke-Az ($Arguments + @('-o', 'json'))
    if ($null -eq $text) { return $null }
    Write-Utf8 $File ($text + "`n")
    return $text
}

function Save-Json([string]$File, $Value) {
    Write-Utf8 $File ((ConvertTo-Json -InputObject $Value -Depth 20) + "`n")
}

# All pages of one Resource Graph query into PREFIX-001.json, -002, ...
function Save-GraphPages([string]$Prefix, [string]$Query) {
    $page = 1
    $token = $null
    do {
        $file = '{0}-{1:000}.json' -f $Prefix, $page
        if ($UseAz) {
            $azArgs = @('graph', 'query', '-q', $Query, '--first', '1000')
            if ($token) { $azArgs += @('--skip-token', $token) }
            if ($Subscription.Count) { $azArgs += @('--subscriptions') + $Subscription }
            $text = Save-Az $file $azArgs
            if ($null -eq $text) { return }
            $token = (ConvertFrom-Json -InputObject $text).skip_token
        } else {
            $params = @{ Query = $Query; First = 1000 }
            if ($token) { $params.SkipToken = $token }
            if ($Subscription.Count) { $params.Subscription = $Subscription }
            try {
                $resp = Search-AzGraph @params
            } catch {
                Add-Failure "Search-AzGraph $Query" $_.ToString()
                return
            }
            $rows = @($resp.Data)
            $token = $resp.SkipToken
            Save-Json $file ([ordered]@{ count = $rows.Count; data = $rows; skip_token = $token })
        }
        $page++
    } while ($token)
}

Write-Host 'collect.ps1: subscriptions'
$subs = New-Object System.Collections.Generic.List[string]
if ($UseAz) {
    $text = Save-Az (Join-Path $Out 'subscriptions.json') @('account', 'list', '--all')
    if ($null -ne $text) {
        foreach ($s in @(ConvertFrom-Json -InputObject $text)) {
            if ($s.id -match $GuidPattern) { $subs.Add($s.id) }
            else { Add-Failure 'az account list --all' "not a subscription id: $($s.id)" }
        }
    }
} else {
    try {
        $list = @(Get-AzSubscription)
        $rows = @($list | ForEach-Object {
                [ordered]@{ id = $_.Id; name = $_.Name; state = [string]$_.State
                    tenantId = $_.TenantId; tags = $_.Tags }
            })
        Save-Json (Join-Path $Out 'subscriptions.json') $rows
        foreach ($s in $list) {
            if ($s.Id -match $GuidPattern) { $subs.Add($s.Id) }
        }
    } catch {
        Add-Failure 'Get-AzSubscription' $_.ToString()
    }
}
if ($Subscription.Count) {
    $subs = New-Object System.Collections.Generic.List[string]
    $Subscription | ForEach-Object { $subs.Add($_) }
}

$useGraph = -not $NoGraph
if ($useGraph -and $UseAz) {
    $ErrorActionPreference = 'Continue'
    & az extension show --name resource-graph *> $null
    if ($LASTEXITCODE -ne 0) {
        Write-Warning 'the resource-graph extension is not installed: using -NoGraph (az extension add --name resource-graph)'
        $useGraph = $false
    }
    $ErrorActionPreference = 'Stop'
} elseif ($useGraph -and -not (Get-Command Search-AzGraph -ErrorAction SilentlyContinue)) {
    Write-Warning 'Az.ResourceGraph is not installed: using -NoGraph (Install-Module Az.ResourceGraph)'
    $useGraph = $false
}

Write-Host "collect.ps1: Defender pricings of $($subs.Count) subscription(s)"
foreach ($id in $subs) {
    $file = Join-Path (Join-Path $Out 'pricings') "$id.json"
    if ($UseAz) {
        Save-Az $file @('security', 'pricing', 'list', '--subscription', $id) | Out-Null
    } else {
        try {
            Set-AzContext -Subscription $id | Out-Null
            Save-Json $file @(Get-AzSecurityPricing)
        } catch {
            Add-Failure "Get-AzSecurityPricing ($id)" $_.ToString()
        }
    }
}

if ($useGraph) {
    Write-Host 'collect.ps1: key vaults and subscription tags (Resource Graph)'
    Save-GraphPages (Join-Path $Out 'keyvaults') $VaultQuery
    Save-GraphPages (Join-Path $Out 'subscription-tags') $SubQuery
} else {
    Write-Host 'collect.ps1: key vaults and subscription tags (per subscription)'
    New-Item -ItemType Directory -Force -Path (Join-Path $Out 'keyvaults'), (Join-Path $Out 'tags') | Out-Null
    foreach ($id in $subs) {
        $vfile = Join-Path (Join-Path $Out 'keyvaults') "$id.json"
        $tfile = Join-Path (Join-Path $Out 'tags') "$id.json"
        if ($UseAz) {
            Save-Az $vfile @('keyvault', 'list', '--subscription', $id) | Out-Null
            Save-Az $tfile @('rest', '--method', 'get', '--url',
                "https://management.azure.com/subscriptions/$($id)?api-version=2022-12-01") | Out-Null
        } else {
            try {
                Set-AzContext -Subscription $id | Out-Null
                $rows = @(Get-AzKeyVault | ForEach-Object {
                        [ordered]@{ id = $_.ResourceId; name = $_.VaultName
                            type = 'Microsoft.KeyVault/vaults'; location = $_.Location
                            resourceGroup = $_.ResourceGroupName; tags = $_.Tags }
                    })
                Save-Json $vfile $rows
            } catch {
                Add-Failure "Get-AzKeyVault ($id)" $_.ToString()
            }
        }
    }
}

if ($UseAz) {
    $who = Invoke-Az @('account', 'show', '--query', 'user.name', '-o', 'tsv')
    $tenant = Invoke-Az @('account', 'show', '--query', 'tenantId', '-o', 'tsv')
    $versionText = Invoke-Az @('version', '-o', 'json')
    $tool = if ($versionText) { 'az ' + (ConvertFrom-Json -InputObject $versionText).'azure-cli' } else { 'az' }
} else {
    $ctx = Get-AzContext
    $who = if ($ctx) { $ctx.Account.Id } else { '' }
    $tenant = if ($ctx) { $ctx.Tenant.Id } else { '' }
    $mods = @('Az.Accounts', 'Az.Security', 'Az.KeyVault', 'Az.ResourceGraph') | ForEach-Object {
        $m = Get-Module -ListAvailable -Name $_ | Sort-Object Version -Descending | Select-Object -First 1
        if ($m) { "$($m.Name) $($m.Version)" }
    }
    $tool = $mods -join ', '
}
$manifest = @(
    'kvaudit evidence collection'
    "collected_at: $Started"
    ('finished_at: ' + [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ',
        [Globalization.CultureInfo]::InvariantCulture))
    "collected_by: $who"
    "tenant: $tenant"
    "host: $([Environment]::MachineName)"
    "tools: $tool"
    "powershell: $($PSVersionTable.PSVersion)"
    "resource_graph: $(if ($useGraph) { 'yes' } else { 'no' })"
    "subscriptions: $($subs.Count)"
    'script: collect.ps1'
    "failures: $($script:Failures.Count)"
) + @($script:Failures | ForEach-Object { "  $_" })
Write-Utf8 (Join-Path $Out 'manifest.txt') (($manifest -join "`n") + "`n")

# SHA256SUMS in sha256sum's format, paths relative with forward slashes.
$sums = Get-ChildItem -LiteralPath $Out -Recurse -File |
    Where-Object { $_.Name -ne 'SHA256SUMS' } |
    ForEach-Object {
        $rel = $_.FullName.Substring($Out.TrimEnd('\', '/').Length + 1) -replace '\\', '/'
        [pscustomobject]@{ Rel = $rel; Hash = (Get-FileHash -Algorithm SHA256 -LiteralPath $_.FullName).Hash.ToLowerInvariant() }
    } | Sort-Object { [string]::Join('', ([System.Text.Encoding]::UTF8.GetBytes($_.Rel) | ForEach-Object { $_.ToString('x2') })) }
Write-Utf8 (Join-Path $Out 'SHA256SUMS') ((@($sums | ForEach-Object { "$($_.Hash)  $($_.Rel)" }) -join "`n") + "`n")

Write-Host "collect.ps1: $($script:Failures.Count) failure(s); evidence in $Out"
Write-Output "Run on the review machine: kvaudit report -o kvaudit-report '$($Out -replace "'", "''")'"
if ($script:Failures.Count) { exit 1 }
