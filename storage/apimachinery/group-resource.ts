/**
 * schema.GroupResource: a resource and its API group (`''` for the core group), as errors name it
 * (`spaces.tenancy.kiosk.sh`), quotas count it (`count/widgets.example.com`) and admission reviews carry it.
 */
export interface GroupResource {
  group: string;
  resource: string;
}
