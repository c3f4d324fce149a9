/**
 * Virtual MFA devices are IAM resources (`arn:aws:iam::ACCOUNT:mfa/NAME`) that DeleteVirtualMFADevice
 * removes; a security key's serial is an ARN too (`...:u2f/...`) and a hardware token's is not an ARN.
 */
export function isVirtualMfaSerial(serial: string): boolean {
  return /^arn:aws[\w-]*:iam::\d{12}:mfa\//.test(serial);
}
