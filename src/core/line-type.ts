/** Which Lookup line types (line type intelligence) can receive an SMS. Pure. */

/** Line types that can receive SMS. Unknown (null) is given the benefit of the doubt. */
export function lineTypeCanReceiveSms(lineType: string | undefined): boolean {
  return lineType === undefined || lineType === 'mobile' || lineType === 'nonFixedVoip';
}
