package io.flotilla.api.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class StrategicMergePatchTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Single quotes for readability. */
  private static ObjectNode json(String text) throws Exception {
    return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
  }

  private static void assertPatch(String original, String patch, String expected) throws Exception {
    assertEquals(json(expected), StrategicMergePatch.apply(json(original), json(patch)));
  }

  @Test
  void mapsMergeRecursivelyAndNullDeletes() throws Exception {
    assertPatch("{'metadata':{'labels':{'a':'1','b':'2'},'name':'x'}}",
        "{'metadata':{'labels':{'b':null,'c':'3'}}}",
        "{'metadata':{'labels':{'a':'1','c':'3'},'name':'x'}}");
  }

  @Test
  void containersMergeByNameKeepingUnpatchedOnes() throws Exception {
    assertPatch("""
        {'spec':{'containers':[
          {'name':'app','image':'app:1','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]},
          {'name':'sidecar','image':'side:1'}]}}""",
        "{'spec':{'containers':[{'name':'app','image':'app:2','env':[{'name':'B','value':'3'}]}]}}",
        """
        {'spec':{'containers':[
          {'name':'app','image':'app:2','env':[{'name':'A','value':'1'},{'name':'B','value':'3'}]},
          {'name':'sidecar','image':'side:1'}]}}""");
  }

  @Test
  void portsMergeByContainerPortInContainersAndByPortInServices() throws Exception {
    assertPatch("{'ports':[{'containerPort':80,'name':'http'},{'containerPort':9090}]}",
        "{'ports':[{'containerPort':9090,'name':'metrics'}]}",
        "{'ports':[{'containerPort':80,'name':'http'},{'containerPort':9090,'name':'metrics'}]}");
    assertPatch("{'spec':{'ports':[{'port':80,'targetPort':8080},{'port':443}]}}",
        "{'spec':{'ports':[{'port':80,'targetPort':9000}]}}",
        "{'spec':{'ports':[{'port':80,'targetPort':9000},{'port':443}]}}");
  }

  @Test
  void unkeyedListsAreReplaced() throws Exception {
    assertPatch("{'args':['a','b'],'tolerations':[{'key':'x'}]}",
        "{'args':['c'],'tolerations':[{'key':'y'}]}",
        "{'args':['c'],'tolerations':[{'key':'y'}]}");
  }

  @Test
  void patchDeleteRemovesListElementsAndMaps() throws Exception {
    assertPatch("{'containers':[{'name':'a'},{'name':'b'}],'spec':{'x':{'y':1},'z':2}}",
        "{'containers':[{'name':'a','$patch':'delete'}],'spec':{'x':{'$patch':'delete'}}}",
        "{'containers':[{'name':'b'}],'spec':{'z':2}}");
  }

  @Test
  void patchReplaceReplacesMapsAndLists() throws Exception {
    assertPatch("{'spec':{'a':1,'b':2},'volumes':[{'name':'v1'},{'name':'v2'}]}",
        "{'spec':{'$patch':'replace','c':3},'volumes':[{'name':'v3'},{'$patch':'replace'}]}",
        "{'spec':{'c':3},'volumes':[{'name':'v3'}]}");
  }

  @Test
  void setElementOrderOrdersTheMergedList() throws Exception {
    // what kubectl apply sends after inserting a container in front
    assertPatch("{'containers':[{'name':'a','image':'a:1'},{'name':'b','image':'b:1'}]}",
        """
        {'$setElementOrder/containers':[{'name':'c'},{'name':'a'},{'name':'b'}],
         'containers':[{'name':'c','image':'c:1'}]}""",
        "{'containers':[{'name':'c','image':'c:1'},{'name':'a','image':'a:1'},{'name':'b','image':'b:1'}]}");
  }

  @Test
  void setElementOrderKeepsElementsItDoesNotNameAfterTheOthers() throws Exception {
    assertPatch("{'env':[{'name':'X','value':'1'},{'name':'A'},{'name':'B'}]}",
        "{'$setElementOrder/env':[{'name':'B'},{'name':'A'}],'env':[{'name':'A','value':'2'}]}",
        "{'env':[{'name':'B'},{'name':'A','value':'2'},{'name':'X','value':'1'}]}");
  }

  @Test
  void finalizersMergeAsASetAndDeleteFromPrimitiveListRemoves() throws Exception {
    assertPatch("{'metadata':{'finalizers':['a','b']}}",
        "{'metadata':{'finalizers':['b','c'],'$deleteFromPrimitiveList/finalizers':['a']}}",
        "{'metadata':{'finalizers':['b','c']}}");
  }

  @Test
  void retainKeysDropsOtherFields() throws Exception {
    assertPatch("{'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}}}",
        "{'strategy':{'$retainKeys':['type'],'type':'Recreate'}}",
        "{'strategy':{'type':'Recreate'}}");
  }

  @Test
  void newElementsAndMapsLoseTheirDirectives() throws Exception {
    assertPatch("{}",
        "{'spec':{'$setElementOrder/containers':[{'name':'a'}],'containers':[{'name':'a','$patch':'merge'}]}}",
        "{'spec':{'containers':[{'name':'a'}]}}");
  }

  @Test
  void malformedPatchesAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> StrategicMergePatch.apply(json("{}"), json("{'containers':[{'image':'no-name'}]}")));
    assertThrows(IllegalArgumentException.class,
        () -> StrategicMergePatch.apply(json("{}"), json("{'$patch':'delete'}")));
  }
}
