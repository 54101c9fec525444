# Cell values of report.xlsx, as LibreOffice shows them, against
# report.json. Input: report.json. Arguments ($summary, $subscriptions,
# ...): each sheet exported by LibreOffice as CSV with every text cell
# quoted, so that a field tells both its shown value and whether it is
# text ({v, q: true}) or a number or date ({v, q: false}).
# Output: one line per difference; nothing when the workbook agrees.

def csv:
  [scan("(\"(?:[^\"]|\"\")*\"|[^,\r\n\"]*)(,|\r?\n|$)")]
  | reduce .[] as $m ({rows: [], cur: []};
      .cur += [$m[0] | if startswith("\"")
                       then {q: true, v: (.[1:-1] | gsub("\"\""; "\""))}
                       else {q: false, v: .} end]
      | if $m[1] == "," then . else .rows += [.cur] | .cur = [] end)
  | .rows
  | if length > 0 and (last | length) == 1 and last[0] == {q: false, v: ""}
    then .[:-1] else . end;

# Rows below header row h as objects keyed by the header's names.
def table($h):
  .[$h] as $hdr
  | .[$h + 1:]
  | map(. as $r
        | reduce range(0; $hdr | length) as $i ({};
            .[$hdr[$i].v] = ($r[$i] // {q: false, v: ""})));

def commas:
  (tostring | explode | reverse) as $r
  | [range(0; $r | length; 3) as $i | $r[$i:$i + 3] | reverse | implode]
  | reverse | join(",");

# What a cell must show.
def T: if . == null or . == "" then {q: false, v: ""} else {q: true, v: .} end;
# (a number shown with a thousands separator is quoted like text: the
# separator is the CSV's too)
def N: if . == null then {q: false, v: ""}
       else (if . < 0 then "-" + (-. | commas) else commas end)
            | {q: contains(","), v: .} end;
def P: if . == null then {q: true, v: "n/a"}
       else ((. * 10) | round) as $t
            | {q: false, v: "\($t / 10 | floor).\($t % 10)%"} end;
def D: if . == null then {q: false, v: ""} else {q: false, v: .} end;
# Chart categories cannot hold control characters (U+FFFD instead).
def nocontrol: if . == null then . else
  gsub("[\u0000-\u0008\u000b\u000c\u000e-\u001f]"; "\ufffd") end;

def check($where; $got; $want):
  if $got == $want then empty
  else "\($where): shows \($got | tojson), report.json says \($want | tojson)"
  end;

. as $r
| ($summary | csv) as $sum
| ($subscriptions | csv | table(0)) as $subs
| ($vaults | csv | table(0)) as $kv
| ($owners | csv | table(0)) as $own
| ($remediation | csv | table(0)) as $rem
| ($exceptions | csv | table(0)) as $exc
| ($evidence | csv) as $ev
| ($warnings | csv | table(0)) as $warn
| ($r.subscriptions | map({key: .id, value: .}) | from_entries) as $by_id

# Summary: verdict, KPIs by label, statuses, environments.
| (reduce $sum[] as $row ({};
     if has($row[0].v) then . else .[$row[0].v] = $row end)) as $lab
| check("Summary verdict"; $lab["Verdict"][1]; ($r.verdict | ascii_upcase | T)),
  check("Summary as of"; $lab["As of (UTC)"][1];
        ($r.as_of | sub("T"; " ") | .[0:16] | D)),
  check("Summary organisation"; $lab["Organisation"][1]; ($r.org | T)),
  check("Summary INCOMPLETE banner"; ($lab["INCOMPLETE"] != null);
        ($r.complete | not)),
  ([["Subscriptions (all known)", "subscriptions_total", "N"],
    ["Subscriptions in scope", "subscriptions_in_scope", "N"],
    ["Subscription coverage (compliant / in scope)",
     "subscription_coverage_pct", "P"],
    ["Compliance ((compliant + exempt) / in scope)", "compliance_pct", "P"],
    ["Key vaults in scope", "vaults_total", "N"],
    ["Key vaults covered", "vaults_covered", "N"],
    ["Key vault coverage", "vault_coverage_pct", "P"],
    ["Key vaults with an owner", "vaults_with_owner", "N"],
    ["Owner coverage", "owner_coverage_pct", "P"]][]
   | . as [$lbl, $key, $kind]
   | check("Summary \($lbl)"; $lab[$lbl][1];
           ($r.kpis[$key] | if $kind == "P" then P else N end))),
  check("Summary warnings"; $lab["Warnings"][1]; ($r.warnings | length | N)),
  check("Summary evidence files"; $lab["Evidence files"][1];
        ($r.inputs | length | N)),
  (["noncompliant", "no_evidence", "exempt", "compliant",
    "not_applicable"][] as $s
   | check("Summary \($s)"; $lab[$s][1]; ($r.kpis[$s] | N))),
  ($r.kpis.by_environment[]
   | check("Summary environment \(.key)"; $lab[.key | nocontrol][1:5];
           [(.vaults_total | N), (.vaults_covered | N),
            (.vaults_total - .vaults_covered | N),
            (.vault_coverage_pct | P)])),
  (if $r.trend != null then
     check("Summary baseline"; $lab["Baseline report"][1]; ($r.trend.baseline | T)),
     (["noncompliant", "no_evidence", "exempt", "compliant",
       "not_applicable"][] as $s
      | check("Summary trend \($s)";
              [$sum[] | select(.[0].v == $s)][1][1:3];
              [($r.trend.before[$s] | N), ($r.trend.now[$s] | N)]))
   else empty end),

# Subscriptions: one row per subscription, in report.json's order.
  check("Subscriptions rows"; ($subs | length); ($r.subscriptions | length)),
  ([$subs, $r.subscriptions] | transpose[] | . as [$c, $s]
   | ("Subscriptions " + $s.id) as $w
   | check("\($w) id"; $c["Subscription ID"]; ($s.id | T)),
     check("\($w) name"; $c["Name"]; ($s.name | T)),
     check("\($w) tenant"; $c["Tenant ID"]; ($s.tenant_id | T)),
     check("\($w) state"; $c["State"]; ($s.state | T)),
     check("\($w) status"; $c["Status"]; ($s.status | T)),
     check("\($w) tier"; $c["Tier"]; ($s.tier | T)),
     check("\($w) sub-plan"; $c["Sub-plan"]; ($s.sub_plan | T)),
     check("\($w) enabled since"; $c["Enabled since (UTC)"];
           ($s.enablement_time
            | if . == null then D else sub("T"; " ") | .[0:19] | D end)),
     check("\($w) trial days"; $c["Trial days left"];
           ($s.trial_remaining_s
            | if . == null then N else (. / 86400 | floor | N) end)),
     check("\($w) owner"; $c["Owner"]; ($s.owner | T)),
     check("\($w) owner source"; $c["Owner source"]; ($s.owner_source | T)),
     check("\($w) environment"; $c["Environment"]; ($s.environment | T)),
     check("\($w) management groups"; $c["Management groups"];
           ($s.management_groups // [] | reverse | join(" / ") | T)),
     check("\($w) vaults"; $c["Key vaults"]; ($s.vaults | N)),
     check("\($w) covered"; $c["Key vaults covered"]; ($s.vaults_covered | N)),
     check("\($w) flags"; $c["Flags"]; ($s.flags | join(", ") | T)),
     check("\($w) exception"; $c["Exception"]; ($s.exception.state | T)),
     check("\($w) exception reason"; $c["Exception reason"];
           ($s.exception.reason | T)),
     check("\($w) exception owner"; $c["Exception owner"];
           ($s.exception.owner | T)),
     check("\($w) exception expires"; $c["Exception expires"];
           ($s.exception.expires | D)),
     check("\($w) exception ticket"; $c["Exception ticket"];
           ($s.exception.ticket | T)),
     check("\($w) evidence"; $c["Evidence files"]; ($s.evidence | join("; ") | T)),
     check("\($w) az"; $c["Azure CLI remediation"]; ($s.remediation.az | T))),

# Key Vaults: one row per vault, in report.json's order.
  check("Key Vaults rows"; ($kv | length); ($r.vaults | length)),
  ([$kv, $r.vaults] | transpose[] | . as [$c, $v]
   | ("Key Vaults " + $v.id) as $w
   | $by_id[$v.subscription_id] as $s
   | check("\($w) name"; $c["Key vault"]; ($v.name | T)),
     check("\($w) resource group"; $c["Resource group"]; ($v.resource_group | T)),
     check("\($w) location"; $c["Location"]; ($v.location | T)),
     check("\($w) subscription"; $c["Subscription ID"]; ($v.subscription_id | T)),
     check("\($w) subscription name"; $c["Subscription"]; ($s.name | T)),
     check("\($w) subscription status"; $c["Subscription status"];
           ($s.status | T)),
     check("\($w) covered"; $c["Covered"];
           (if $s.status == "not_applicable" then "n/a"
            elif $v.covered then "Yes" else "No" end | T)),
     check("\($w) owner"; $c["Owner"]; ($v.owner | T)),
     check("\($w) owner source"; $c["Owner source"]; ($v.owner_source | T)),
     check("\($w) environment"; $c["Environment"]; ($v.environment | T)),
     check("\($w) id"; $c["Resource ID"]; ($v.id | T))),

# Owners: the four breakdowns, as sets; a management group reads
# "Display name (id)".
  ([["owner", "by_owner"], ["environment", "by_environment"],
    ["management group", "by_management_group"], ["tenant", "by_tenant"]][]
   | . as [$dim, $key]
   | check("Owners \($dim)";
           ([$own[] | select(.Breakdown.v == $dim)
             | [.Name, .["Key vaults"], .Covered, .["Not covered"], .Coverage]]
            | sort);
           ([$r.kpis[$key][]
             | [(if (.name // "") != "" and .name != .key
                 then "\(.name) (\(.key))" else .key end | T),
                (.vaults_total | N), (.vaults_covered | N),
                (.vaults_total - .vaults_covered | N),
                (.vault_coverage_pct | P)]] | sort))),

# Remediation: the commands of the failing subscriptions, in priority
# order, and the management group route.
  ([["Azure CLI", "az"], ["PowerShell", "powershell"],
    ["Azure CLI: check", "verify"]][]
   | . as [$tool, $key]
   | check("Remediation \($tool)";
           [$rem[] | select(.Tool.v == $tool) | [.Target, .Command]];
           [$r.subscriptions[] | select((.priority // 0) > 0)
            | select(.remediation[$key] != null)]
           | sort_by(.priority)
           | map([(.id | T), (.remediation[$key] | T)]))),
  check("Remediation management groups";
        [$rem[] | select(.Scope.v == "management group") | .Command.v];
        [$r.remediation_plan.management_groups // [] | .[]
         | (.assign // .assign_cmd), (.remediate // .remediate_cmd)]
        | map(select(. != null))),

# Exceptions: the register, in its order.
  ([$exc[] | select(.["Subscription ID"].v
                    != "No exceptions register was given.")]) as $exc
  | check("Exceptions rows"; ($exc | length); ($r.exceptions | length)),
  ([$exc, $r.exceptions] | transpose[]
   | . as [$c, $e]
   | ("Exceptions " + $e.subscription_id) as $w
   | check("\($w) id"; $c["Subscription ID"]; ($e.subscription_id | T)),
     check("\($w) name"; $c["Subscription"]; ($e.subscription_name | T)),
     check("\($w) state"; $c["State"]; ($e.state | T)),
     check("\($w) expires"; $c["Expires"]; ($e.expires | D)),
     check("\($w) days left"; $c["Days left"]; ($e.days_left | N)),
     check("\($w) reason"; $c["Reason"]; ($e.reason | T)),
     check("\($w) owner"; $c["Owner"]; ($e.owner | T)),
     check("\($w) ticket"; $c["Ticket"]; ($e.ticket | T)),
     check("\($w) file"; $c["Register file"]; ($e.path | T))),

# Evidence: every input with its hash, under the run's details.
  ([$ev | to_entries[] | select(.value[0].v == "Path") | .key][0]) as $h
  | ($ev | table($h)) as $in
  | check("Evidence rows"; ($in | length); ($r.inputs | length)),
    ([$in, $r.inputs] | transpose[] | . as [$c, $i]
     | check("Evidence \($i.path)"; [$c.Path, $c.Kind, $c.Records, $c.Bytes,
                                     $c["SHA-256"]];
             [($i.path | T), ($i.kind | T), ($i.records | N), ($i.bytes | N),
              ($i.sha256 | T)])),
    check("Evidence as of"; [$ev[] | select(.[0].v == "As of")][0][1];
          ($r.as_of | T)),

# Warnings: the run's, in order; after them only the workbook's own.
  ([$warn[] | select(.Code.v | startswith("xlsx_") or . == "No warnings."
                     | not)]) as $w
  | check("Warnings rows"; ($w | length); ($r.warnings | length)),
    ([$w, $r.warnings] | transpose[] | . as [$c, $x]
     | check("Warning \($x.code)"; [$c.Code, $c.Message, $c.File,
                                    $c["Subscription ID"]];
             [($x.code | T), ($x.message | T), ($x.path | T),
              ($x.subscription_id | T)]))
