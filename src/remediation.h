#ifndef KVA_REMEDIATION_H
#define KVA_REMEDIATION_H

#include "diag.h"
#include "result.h"
#include "templates.h"

/*
 * Fill the remediation fields of a result from the command templates:
 * per failing subscription (noncompliant, no_evidence) the Azure CLI,
 * PowerShell and verification commands and its priority rank; the
 * management-group policy route where two or more failing subscriptions
 * share a management group; the Terraform and Bicep snippets. Strings are
 * owned by the result. Only validated values reach a command: a
 * subscription id that is not a GUID gets no command (and a warning).
 */
kva_error kva_remediation_fill(kva_result *r, const kva_templates *t,
                               kva_diag *err);

#endif
