/** A silence (Alertmanager's): matchers with a start and an end, made with `bedrock-watch silence add`. */
export interface Silence {
  id: string;
  /** As written, e.g. ModelId=~"meta.*" (parsed when used). */
  matchers: string[];
  author: string;
  comment: string;
  startsAt: number;
  endsAt: number;
  createdAt: number;
}
